// What the server notes about one HTTP request while answering it (its id,
// when it started, its route label), kept on the request object, not in a
// WeakMap keyed by it (src/execution/memo-on.ts says why).
import { memoOn } from '../execution/memo-on.ts';

export interface RequestState {
  id?: string;
  t0?: number;
  route?: string;
}

const STATE = Symbol('chatgraph.request');

export function requestState(request: Request): RequestState {
  return memoOn<RequestState>(request, STATE, () => ({}));
}
