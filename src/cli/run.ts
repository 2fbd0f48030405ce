// The CLI's process: runs the command line it was given and exits with its
// code. The entry of dist/cli.js (bin/chatgraph.js) and of `npm run cli`.
// Its logs, libraries' warnings included, are JSON on stderr (stdout is the
// command's output).
import { runCli } from './main.ts';
import { captureProcessOutput, createLogger, levelFromEnv } from '../log.ts';

captureProcessOutput(createLogger(levelFromEnv(process.env, 'warn'), { service: 'chatgraph-cli', destination: 2 }));
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
// Let stdout drain, then exit (an embedded database's worker can hold the loop for seconds).
process.stdout.write('', () => process.exit(code));
