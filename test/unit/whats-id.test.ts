import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareWhatsId, isBlankWhatsId, isGroupWhatsId, sameWhatsId } from '../../src/domain/whats-id.ts';

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

test('blank ids', () => {
  for (const blank of ['', '   ', '\t\n', '@c.us', ' @g.us ', null, undefined, 42, {}]) {
    assert.equal(bareWhatsId(blank), '', String(blank));
    assert.equal(isBlankWhatsId(blank), true, String(blank));
  }
  assert.equal(isBlankWhatsId('8615601882491'), false);
  assert.equal(isBlankWhatsId('0'), false);
});

test('sameWhatsId matches on the bare id', () => {
  assert.equal(sameWhatsId('8615601882491@c.us', '8615601882491'), true);
  assert.equal(sameWhatsId('120363295594719602', '120363295594719602@g.us'), true);
  assert.equal(sameWhatsId(' 8615601882491@C.US', '8615601882491@c.us'), true);
  assert.equal(sameWhatsId('8615601882491@c.us', '8615601882492@c.us'), false);
  assert.equal(sameWhatsId('861560188249', '8615601882491'), false);
  assert.equal(sameWhatsId('', ''), false, 'unknown is not an id');
  assert.equal(sameWhatsId(null, undefined), false);
  assert.equal(sameWhatsId('@c.us', ''), false);
});

test('isGroupWhatsId only sees the @g.us suffix', () => {
  assert.equal(isGroupWhatsId('120363295594719602@g.us'), true);
  assert.equal(isGroupWhatsId('120363295594719602@G.US '), true);
  assert.equal(isGroupWhatsId('120363295594719602'), false);
  assert.equal(isGroupWhatsId('8617633819542@c.us'), false);
  assert.equal(isGroupWhatsId(null), false);
});
