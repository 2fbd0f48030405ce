import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LEGACY_TIME_ZONE,
  formatJavaDate,
  formatLocalDateTime,
  isValidTimeZone,
  parseLocalDateTime,
  parseLocalDay,
} from '../../src/domain/local-time.ts';

const NY = 'America/New_York';
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

test('default zone is Asia/Shanghai', () => {
  assert.equal(DEFAULT_LEGACY_TIME_ZONE, 'Asia/Shanghai');
  assert.equal(iso(parseLocalDateTime('2022-10-31 16:25:42')), '2022-10-31T08:25:42.000Z');
});

test('isValidTimeZone', () => {
  for (const z of ['Asia/Shanghai', 'UTC', NY, 'Europe/London', 'Asia/Kolkata', 'asia/shanghai']) {
    assert.equal(isValidTimeZone(z), true, z);
  }
  for (const z of ['Mars/Olympus', '', '  ', '+08:00', 'Asia/Beijing', null, undefined, 8]) {
    assert.equal(isValidTimeZone(z), false, String(z));
  }
});

test('sendTime of the seed (MSG_SYNC_MESSAGE) in Shanghai and elsewhere', () => {
  assert.equal(iso(parseLocalDateTime('2022-10-31 16:25:42', 'Asia/Shanghai')), '2022-10-31T08:25:42.000Z');
  assert.equal(iso(parseLocalDateTime('2022-10-31 16:25:42', 'UTC')), '2022-10-31T16:25:42.000Z');
  assert.equal(iso(parseLocalDateTime('2022-10-31 16:25:42', 'Asia/Kolkata')), '2022-10-31T10:55:42.000Z');
  assert.equal(iso(parseLocalDateTime('2022-10-31 16:25:42', NY)), '2022-10-31T20:25:42.000Z');
});

test('accepted spellings: space or T, optional fraction, surrounding blanks', () => {
  assert.equal(iso(parseLocalDateTime('2022-10-31T16:25:42', 'UTC')), '2022-10-31T16:25:42.000Z');
  assert.equal(iso(parseLocalDateTime('2022-10-31 16:25:42.123', 'UTC')), '2022-10-31T16:25:42.123Z');
  assert.equal(iso(parseLocalDateTime('2022-10-31T16:25:42.007', 'UTC')), '2022-10-31T16:25:42.007Z');
  assert.equal(iso(parseLocalDateTime('2022-10-31 16:25:42.5', 'UTC')), '2022-10-31T16:25:42.500Z');
  assert.equal(iso(parseLocalDateTime(' 2022-10-31 16:25:42 ', 'UTC')), '2022-10-31T16:25:42.000Z');
  assert.equal(iso(parseLocalDateTime('0099-01-01 00:00:00', 'UTC')), '0099-01-01T00:00:00.000Z', 'no 1900s year mapping');
});

test('malformed or impossible local times are null', () => {
  const bad = [
    '', '   ', '2022-10-31', '2022-10-31 16:25', '2022-10-31 16:25:42Z', '2022-10-31T16:25:42+08:00',
    '2022/10/31 16:25:42', '2022-1-31 16:25:42', '22-10-31 16:25:42', '2022-10-31 16:25:42.1234', '2022-10-31 16:25:42.',
    '2022-02-30 00:00:00', '2023-02-29 00:00:00', '2100-02-29 00:00:00', '2022-04-31 00:00:00', '2022-13-01 00:00:00',
    '2022-00-10 00:00:00', '2022-10-00 00:00:00', '2022-10-31 24:00:00', '2022-10-31 23:60:00', '2022-10-31 23:59:60',
    '0000-01-01 00:00:00', '2022-10-31  16:25:42', 'x2022-10-31 16:25:42', '１２３４-10-31 16:25:42',
  ];
  for (const s of bad) assert.equal(parseLocalDateTime(s, 'UTC'), null, JSON.stringify(s));
  for (const v of [null, undefined, 1667204742000, new Date()]) assert.equal(parseLocalDateTime(v, 'UTC'), null);
  assert.equal(parseLocalDateTime('2022-10-31 16:25:42', 'Mars/Olympus'), null);
  assert.equal(iso(parseLocalDateTime('2024-02-29 00:00:00', 'UTC')), '2024-02-29T00:00:00.000Z');
  assert.equal(iso(parseLocalDateTime('2000-02-29 12:00:00', 'UTC')), '2000-02-29T12:00:00.000Z');
});

test('New York DST: ordinary times on both sides of each change', () => {
  assert.equal(iso(parseLocalDateTime('2023-01-15 10:00:00', NY)), '2023-01-15T15:00:00.000Z');
  assert.equal(iso(parseLocalDateTime('2023-07-01 10:00:00', NY)), '2023-07-01T14:00:00.000Z');
  assert.equal(iso(parseLocalDateTime('2023-03-12 01:59:59', NY)), '2023-03-12T06:59:59.000Z');
  assert.equal(iso(parseLocalDateTime('2023-03-12 03:00:00', NY)), '2023-03-12T07:00:00.000Z');
  assert.equal(iso(parseLocalDateTime('2023-11-05 00:59:59', NY)), '2023-11-05T04:59:59.000Z');
  assert.equal(iso(parseLocalDateTime('2023-11-05 02:00:00', NY)), '2023-11-05T07:00:00.000Z');
});

test('New York DST: a time in the spring gap moves later by the gap (as java.time does)', () => {
  assert.equal(iso(parseLocalDateTime('2023-03-12 02:00:00', NY)), '2023-03-12T07:00:00.000Z'); // 03:00 EDT
  assert.equal(iso(parseLocalDateTime('2023-03-12 02:30:00', NY)), '2023-03-12T07:30:00.000Z'); // 03:30 EDT
});

test('New York DST: a repeated autumn time takes the earlier instant (as java.time does)', () => {
  assert.equal(iso(parseLocalDateTime('2023-11-05 01:00:00', NY)), '2023-11-05T05:00:00.000Z'); // 01:00 EDT
  assert.equal(iso(parseLocalDateTime('2023-11-05 01:30:00', NY)), '2023-11-05T05:30:00.000Z'); // not 06:30Z (EST)
});

test('local time round-trips through formatLocalDateTime every 37 minutes of a New York year', () => {
  const start = Date.UTC(2023, 0, 1);
  const end = Date.UTC(2024, 0, 1);
  let checked = 0;
  for (let t = start; t < end; t += 37 * 60_000) {
    const d = new Date(t);
    const local = formatLocalDateTime(d, NY);
    const back = parseLocalDateTime(local, NY);
    assert.ok(back);
    // Only the repeated hour (01:00–01:59 on 2023-11-05) comes back one hour earlier.
    const repeated = local.startsWith('2023-11-05 01:') && t >= Date.UTC(2023, 10, 5, 6);
    assert.equal(back.getTime(), repeated ? t - 3_600_000 : t, local);
    checked++;
  }
  assert.ok(checked > 14_000);
});

test('parseLocalDay: the half-open range of a local day', () => {
  const range = parseLocalDay('2023-07-01');
  assert.ok(range);
  assert.equal(range.start.toISOString(), '2023-06-30T16:00:00.000Z');
  assert.equal(range.end.toISOString(), '2023-07-01T16:00:00.000Z');

  const utc = parseLocalDay('2023-12-31', 'UTC');
  assert.equal(utc?.start.toISOString(), '2023-12-31T00:00:00.000Z');
  assert.equal(utc?.end.toISOString(), '2024-01-01T00:00:00.000Z');

  const leap = parseLocalDay('2024-02-29', 'UTC');
  assert.equal(leap?.end.toISOString(), '2024-03-01T00:00:00.000Z');
});

test('parseLocalDay: DST change days in New York last 23 and 25 hours', () => {
  const spring = parseLocalDay('2023-03-12', NY);
  assert.equal(spring?.start.toISOString(), '2023-03-12T05:00:00.000Z');
  assert.equal(spring?.end.toISOString(), '2023-03-13T04:00:00.000Z');
  const autumn = parseLocalDay('2023-11-05', NY);
  assert.equal(autumn?.start.toISOString(), '2023-11-05T04:00:00.000Z');
  assert.equal(autumn?.end.toISOString(), '2023-11-06T05:00:00.000Z');
});

test('parseLocalDay: a day whose midnight does not exist starts when the day does', () => {
  // Santiago moved clocks from 00:00 to 01:00 on 2023-09-03.
  const day = parseLocalDay('2023-09-03', 'America/Santiago');
  assert.equal(day?.start.toISOString(), '2023-09-03T04:00:00.000Z');
  assert.equal(formatLocalDateTime(day!.start, 'America/Santiago'), '2023-09-03 01:00:00');
});

test('parseLocalDay rejects malformed days', () => {
  for (const s of ['', '2023-7-01', '2023-07-01 00:00:00', '2023/07/01', '2023-02-29', '2023-13-01', '20230701']) {
    assert.equal(parseLocalDay(s), null, s);
  }
  assert.equal(parseLocalDay(null), null);
  assert.equal(parseLocalDay('2023-07-01', 'Nowhere/Zone'), null);
  assert.equal(parseLocalDay(' 2023-07-01 ', 'UTC')?.start.toISOString(), '2023-07-01T00:00:00.000Z');
});

test('formatJavaDate: the retrievePastRecords example', () => {
  const d = parseLocalDateTime('2023-07-01 10:53:52');
  assert.ok(d);
  assert.equal(formatJavaDate(d), 'Sat Jul 01 10:53:52 CST 2023');
  assert.equal(formatJavaDate(d, 'Asia/Shanghai'), 'Sat Jul 01 10:53:52 CST 2023');
  for (const alias of ['Asia/Chongqing', 'Asia/Harbin', 'PRC', 'asia/shanghai']) {
    assert.equal(formatJavaDate(d, alias), 'Sat Jul 01 10:53:52 CST 2023', alias);
  }
});

test('formatJavaDate: known abbreviations, with daylight time', () => {
  const summer = new Date('2023-07-01T02:53:52.000Z');
  const winter = new Date('2023-01-15T15:04:05.000Z');
  assert.equal(formatJavaDate(summer, 'UTC'), 'Sat Jul 01 02:53:52 UTC 2023');
  assert.equal(formatJavaDate(summer, NY), 'Fri Jun 30 22:53:52 EDT 2023');
  assert.equal(formatJavaDate(winter, NY), 'Sun Jan 15 10:04:05 EST 2023');
  assert.equal(formatJavaDate(summer, 'Europe/London'), 'Sat Jul 01 03:53:52 BST 2023');
  assert.equal(formatJavaDate(winter, 'Europe/London'), 'Sun Jan 15 15:04:05 GMT 2023');
  assert.equal(formatJavaDate(winter, 'Australia/Sydney'), 'Mon Jan 16 02:04:05 AEDT 2023', 'southern summer');
  assert.equal(formatJavaDate(summer, 'Australia/Sydney'), 'Sat Jul 01 12:53:52 AEST 2023');
  assert.equal(formatJavaDate(summer, 'Asia/Kolkata'), 'Sat Jul 01 08:23:52 IST 2023');
  // China kept summer time 1986–1991; Java calls it CDT.
  assert.equal(formatJavaDate(new Date('1988-07-01T00:00:00.000Z'), 'Asia/Shanghai'), 'Fri Jul 01 09:00:00 CDT 1988');
});

test('formatJavaDate: other zones fall back to GMT±hh:mm like Java', () => {
  const d = new Date('2023-07-01T02:53:52.000Z');
  assert.equal(formatJavaDate(d, 'Asia/Kathmandu'), 'Sat Jul 01 08:38:52 GMT+05:45 2023');
  assert.equal(formatJavaDate(d, 'America/Sao_Paulo'), 'Fri Jun 30 23:53:52 GMT-03:00 2023');
  assert.equal(formatJavaDate(d, 'Asia/Dubai'), 'Sat Jul 01 06:53:52 GMT+04:00 2023');
  assert.throws(() => formatJavaDate(new Date(NaN)), RangeError);
});

test('every month and weekday name', () => {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  months.forEach((m, i) => {
    const d = new Date(Date.UTC(2023, i, 9, 12));
    assert.match(formatJavaDate(d, 'UTC'), new RegExp(`^\\w{3} ${m} 09 12:00:00 UTC 2023$`));
  });
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  days.forEach((w, i) => {
    assert.equal(formatJavaDate(new Date(Date.UTC(2023, 0, 2 + i)), 'UTC'), `${w} Jan 0${2 + i} 00:00:00 UTC 2023`);
  });
});

test('parseLocalDateTime inverts formatLocalDateTime every 37 minutes over two years, in zones with DST, half-hour and 45-minute offsets', () => {
  // Guards the per-day offset cache: each local time, read back, is the same
  // instant, or the earlier one when the wall time repeats at fall-back.
  for (const zone of [NY, 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham', 'Europe/London', 'Asia/Shanghai']) {
    for (let t = Date.UTC(2023, 0, 1); t < Date.UTC(2025, 0, 1); t += 37 * 60_000) {
      const text = formatLocalDateTime(new Date(t), zone);
      const back = parseLocalDateTime(text, zone)!;
      assert.equal(formatLocalDateTime(back, zone), text, `${zone} ${text}`);
      assert.ok(back.getTime() <= t && t - back.getTime() <= 60 * 60_000, `${zone} ${text}: ${back.toISOString()} vs ${new Date(t).toISOString()}`);
    }
  }
});
