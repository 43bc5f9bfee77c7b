import fc from 'fast-check';

/** JSON text, not values: so number literals JavaScript cannot hold and keys like __proto__ reach the server as written. */
export interface JsonText {
  readonly text: string;
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', '$where', 'a.b', '../x', 'ключ', '🔑'];
const NUMBER_LITERALS = ['0', '-0', '1', '-1', '0.1', '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '9007199254740993', '1.7976931348623157e308', '5e-324', '0.30000000000000004', '1E2', '1.0'];
const HOSTILE_STRINGS = ['', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\uffff', '\u202e', "'; DROP TABLE messages; --", '<script>alert(1)</script>', '../../etc/passwd', '%00', '${jndi:ldap://x}', 'a'.repeat(129), 'a'.repeat(70_000)];

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
);

const stringText = hostileString.map((s) => JSON.stringify(s));
const numberText = fc.oneof(fc.constantFrom(...NUMBER_LITERALS), fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)), fc.integer().map(String));
const keyText = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ unit: 'binary', maxLength: 12 })).map((k) => JSON.stringify(k));

/** JSON of every shape, nesting bounded by fast-check's depth control. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    stringText,
    numberText,
    fc.constantFrom('true', 'false', 'null'),
    tie('object'),
    tie('array'),
  ),
  object: fc.array(fc.tuple(keyText, tie('value')), { maxLength: 6 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  array: fc.array(tie('value'), { maxLength: 6 }).map((items) => `[${items.join(',')}]`),
})).value;

export const objectText: fc.Arbitrary<string> = fc.array(fc.tuple(keyText, jsonText), { maxLength: 8 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`);

const deepText = fc.tuple(fc.integer({ min: 20, max: 20_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`);
const bigPayloadText = fc.integer({ min: 15_000, max: 1_200_000 }).map((n) => `{"blob":${JSON.stringify('x'.repeat(n))}}`);

const datetimeText = fc.oneof(
  { weight: 12, arbitrary: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => JSON.stringify(d.toISOString())) },
  { weight: 1, arbitrary: fc.constantFrom('"2026-01-01 12:00:00"', '"2026-13-45T99:99:99Z"', '"0000-00-00T00:00:00Z"', '"+275760-09-13T00:00:00Z"', '"2026-01-01T00:00:00"', '"now"', '1767225600000', 'null') },
  { weight: 1, arbitrary: stringText },
);

const environmentText = fc.oneof(fc.constantFrom('"prod"', '"test"', '"staging_1"', '"a-b"'), stringText, jsonText);

/** The JSON text of each field a message body carries, and the body they make. */
export interface MessageText {
  readonly fields: Readonly<Record<string, string>>;
  readonly text: string;
}

/** A body for POST /api/messages: mostly near-valid, so hostile values reach deep into the handler. */
/** Mostly one kind, sometimes the other: hostile values are rare enough that most bodies stay close to valid. */
const mostly = (usual: fc.Arbitrary<string | undefined>, rare: fc.Arbitrary<string | undefined>, weight = 4): fc.Arbitrary<string | undefined> =>
  fc.oneof({ weight, arbitrary: usual }, { weight: 1, arbitrary: rare });
const absent = fc.constant(undefined);
/** Ordinary JSON objects of every value shape, the kind producers really send. */
const plainObjectText = fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }).map((o) => JSON.stringify(o));
const validSource = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map((s) => JSON.stringify(s));

/** A body for POST /api/messages: mostly near-valid, so hostile values reach deep into the handler. */
export const messageBodyText: fc.Arbitrary<MessageText> = fc
  .record({
    datetime: datetimeText,
    environment: mostly(fc.oneof(absent, fc.constantFrom('"prod"', '"test"', '"staging_1"', '"a-b"')), environmentText),
    message_id: mostly(fc.uuid().map((u) => JSON.stringify(u)), fc.oneof(absent, stringText, numberText)),
    source: mostly(fc.oneof(absent, validSource), fc.oneof(stringText, numberText, fc.constant('null'))),
    payload: fc.oneof({ weight: 3, arbitrary: absent }, { weight: 6, arbitrary: plainObjectText }, { weight: 3, arbitrary: objectText }, { weight: 1, arbitrary: jsonText }, { weight: 1, arbitrary: deepText }, { weight: 1, arbitrary: bigPayloadText }, { weight: 2, arbitrary: numberText.map((n) => `{"n":${n}}`) }),
    ['__proto__']: mostly(absent, fc.constant('{"polluted":true}'), 20),
    extra: mostly(absent, jsonText, 20),
  })
  .map((record) => {
    const fields = Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return { fields, text: `{${Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}` };
  });

export type BodyShape = 'json' | 'truncated' | 'binary' | 'batch';

export interface HostileBody {
  readonly shape: BodyShape;
  readonly body: Buffer;
  /** The messages inside, for reading accepted ones back: one for json, several for batch. */
  readonly messages: readonly MessageText[];
}

export const hostileBody: fc.Arbitrary<HostileBody> = fc.oneof(
  { weight: 6, arbitrary: messageBodyText.map((m) => ({ shape: 'json' as const, body: Buffer.from(m.text, 'utf8'), messages: [m] })) },
  { weight: 1, arbitrary: fc.tuple(messageBodyText, fc.nat()).map(([m, cut]) => ({ shape: 'truncated' as const, body: Buffer.from(m.text, 'utf8').subarray(0, cut % Math.max(1, Buffer.byteLength(m.text))), messages: [] })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ shape: 'binary' as const, body: Buffer.from(bytes), messages: [] })) },
  { weight: 2, arbitrary: fc.array(messageBodyText, { maxLength: 5 }).map((items) => ({ shape: 'batch' as const, body: Buffer.from(`{"messages":[${items.map((m) => m.text).join(',')}]}`, 'utf8'), messages: items })) },
);

/** A body for POST /admin/tenants. */
export const adminBody = fc
  .record({ id: fc.oneof(stringText, fc.constantFrom('"ok-tenant"', '"a"', '"-a"', '"A"', '"a--b"', `"${'a'.repeat(41)}"`), numberText), name: fc.oneof(stringText, jsonText), rate_limit_per_minute: fc.oneof(numberText, stringText) }, { requiredKeys: [] })
  .map((fields) => Buffer.from(`{${Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`, 'utf8'));

export const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/json; charset=latin1', 'application/octet-stream', 'application/json\u0000', 'application/vnd.api+json') },
);

export const queryString = fc
  .array(
    fc.tuple(
      fc.constantFrom('limit', 'since', 'until', 'cursor', 'environment', 'window', 'bucket', 'last_event_id', '__proto__', 'constructor[prototype][x]', 'limit[]', ''),
      fc.oneof(fc.constantFrom('0', '-1', '1001', '100', '1e400', 'NaN', '', 'prod', '2026-01-01T00:00:00Z', '1h', '1m', '999999999999999999999', 'null', '%00', '%ZZ', '%ud800', '../', "'OR 1=1"), fc.string({ maxLength: 20 }).map(encodeURIComponent)),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&'));
