import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareWhatsId } from '../../src/domain/whats-id.ts';

test('the seed spellings reduce to their bare ids', () => {
  assert.equal(bareWhatsId('8617633819542@c.us'), '8617633819542');
  assert.equal(bareWhatsId('120363295594719602@g.us'), '120363295594719602');
  assert.equal(bareWhatsId('120363295594719602'), '120363295594719602');
  assert.equal(bareWhatsId('86131xxxxxx'), '86131xxxxxx');
  assert.equal(bareWhatsId('918448631208@s.whatsapp.net'), '918448631208');
});

test('suffixes match case-insensitively; whitespace is trimmed', () => {
  assert.equal(bareWhatsId('8615601882491@C.US'), '8615601882491');
  assert.equal(bareWhatsId('120363295594719602@G.Us'), '120363295594719602');
  assert.equal(bareWhatsId('1@S.WhatsApp.Net'), '1');
  assert.equal(bareWhatsId('  8615601882491@c.us \n'), '8615601882491');
  assert.equal(bareWhatsId(' 8615601882491 @c.us'), '8615601882491');
});

test('other forms are kept as they came', () => {
  assert.equal(bareWhatsId('8615601882491@lid'), '8615601882491@lid');
  assert.equal(bareWhatsId('a@c.us.x'), 'a@c.us.x');
  assert.equal(bareWhatsId('8615601882491@c.us@c.us'), '8615601882491@c.us', 'only one suffix is stripped');
  assert.equal(bareWhatsId('+86 156'), '+86 156');
});

