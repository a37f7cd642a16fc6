/**
 * The request body and reading the Event and Audience API's answers (pure, in-process): batch spans,
 * errors attributed by `[i]` index or by character position, HTML-unescaped, without the values they
 * quote; what cannot be attributed is told to the delivery layer as a refusal of the request.
 */
import t from 'tap';
import { attributeError, printableMessage, readAnswer } from '../src/mparticle/answer.js';
import { bulkBody } from '../src/mparticle/body.js';
import type { MparticleItem } from '../src/mparticle/item.js';
import type { RecordInfo } from '../src/sync/records.js';

const record = { line: 1 } as unknown as RecordInfo;
const item = (json: string): MparticleItem => ({ record, json, bytes: Buffer.byteLength(json) });
const items = ['{"a":"é"}', '{"bb":2,"c":{"d":[1,2]}}', '{"e":"x,y"}'].map(item);
const answer = (status: number, body: unknown) => ({ status, headers: {}, body: typeof body === 'string' ? body : JSON.stringify(body) });
const errors = (...messages: string[]) => ({ errors: messages.map((message) => ({ code: 'BAD_REQUEST', message })) });

t.test('the body is the batches as sent, one line, each at its span', async (t) => {
  const { text, spans } = bulkBody(items);
  t.equal(text, `[${items.map((entry) => entry.json).join(',')}]`);
  t.same(JSON.parse(text), items.map((entry) => JSON.parse(entry.json)));
  spans.forEach((span, index) => t.equal(text.slice(span.start, span.end), items[index]?.json, `span ${index}`));
  t.notOk(text.includes('\n'));
});

t.test('an error is attributed by its [i] index, else by the character position inside a batch', async (t) => {
  const { text, spans } = bulkBody(items);
  t.equal(attributeError("Error converting value &quot;x&quot; to type 'System.Guid'. Path '[1].device_info.ios_advertising_id', line 1, position 3.", spans), 1, 'the index wins over the position');
  t.equal(attributeError("Path '[7].x', line 1, position 3.", spans), undefined, 'an index beyond the request');
  // JSON.NET's position counts the characters read: the last one read (position − 1) is in the batch.
  const second = spans[1] as { start: number; end: number };
  t.equal(attributeError(`Path 'data.custom_attributes.currency', line 1, position ${second.start + 1}.`, spans), 1, 'the first character of batch 1');
  t.equal(attributeError(`Path 'c.d', line 1, position ${second.end}.`, spans), 1, 'its last character');
  t.equal(attributeError(`Path 'x', line 1, position ${second.end + 1}.`, spans), undefined, 'the comma between batches names none');
  const third = text.indexOf('x,y');
  t.equal(attributeError(`Path 'e', line 1, position ${third + 2}.`, spans), 2, 'a comma inside a string is inside its batch');
  t.equal(attributeError(`Path 'x', line 2, position 3.`, spans), undefined, 'the body has one line');
  t.equal(attributeError('Something went wrong.', spans), undefined);
  t.equal(attributeError(undefined, spans), undefined);
});

t.test('printable messages: HTML-unescaped, without the values they quote', async (t) => {
  t.equal(
    printableMessage({ code: 'BAD_REQUEST', message: "Error converting value &quot;jane@example.com&quot; to type 'System.Guid'. Path '[0].device_info.ios_advertising_id', line 1, position 9." }),
    `BAD_REQUEST: Error converting value "[value]" to type 'System.Guid'. Path '[0].device_info.ios_advertising_id', line 1, position 9.`,
  );
  t.equal(printableMessage({ message: "Could not convert string to DateTime: jane.doe@example.com. Path 'x', line 1, position 2." }), "Could not convert string to DateTime: [value]. Path 'x', line 1, position 2.");
  t.equal(printableMessage({ message: 'a &amp; b &lt;c&gt;' }), 'a & b <c>');
  t.equal(printableMessage({}), 'no reason given');
});

t.test('a 202 with an empty body, or any 2xx without errors: every batch accepted', async (t) => {
  const { spans } = bulkBody(items);
  for (const response of [answer(202, ''), answer(200, ''), answer(202, '{}'), answer(202, 'OK'), answer(202, { errors: [] })]) {
    const read = readAnswer(response, spans);
    t.equal(read.response, response);
    t.equal(read.refused.size, 0, `${response.status} ${response.body}`);
  }
});

t.test('a 202 whose errors all name a batch: those batches are refused with the message, the rest accepted', async (t) => {
  const { spans } = bulkBody(items);
  const second = spans[1] as { start: number };
  const read = readAnswer(answer(202, errors("Error converting value &quot;zz&quot; to type 'System.Guid'. Path '[0].device_info.ios_idfv', line 1, position 5.", `Unexpected character. Path 'data.custom_attributes.c', line 1, position ${second.start + 4}.`, "Second problem. Path '[0].ip', line 1, position 6.")), spans);
  t.equal(read.response.status, 202);
  t.same([...read.refused.keys()].sort(), [0, 1]);
  t.equal(read.refused.get(0), `BAD_REQUEST: Error converting value "[value]" to type 'System.Guid'. Path '[0].device_info.ios_idfv', line 1, position 5.; BAD_REQUEST: Second problem. Path '[0].ip', line 1, position 6.`);
  t.match(read.refused.get(1), /^BAD_REQUEST: Unexpected character/);
});

t.test('a 202 with an error that names no batch: reported as a refusal of the request, so it is split', async (t) => {
  const { spans } = bulkBody(items);
  const read = readAnswer(answer(202, errors("Bad. Path '[0].x', line 1, position 3.", 'The batch is invalid.')), spans);
  t.equal(read.response.status, 400);
  t.equal(read.refused.size, 0);
  t.same(JSON.parse(read.response.body), { data: { code: 'BAD_REQUEST', message: "answered HTTP 202 with errors that name no batch: Bad. Path '[0].x', line 1, position 3.; The batch is invalid." } });
});

t.test('a 400 with errors keeps its status; its body names what the API said, quoted values removed', async (t) => {
  const { spans } = bulkBody(items);
  const read = readAnswer(answer(400, errors('Error converting value &quot;secret@example.com&quot;.')), spans);
  t.equal(read.response.status, 400);
  t.same(JSON.parse(read.response.body), { data: { code: 'BAD_REQUEST', message: 'Error converting value "[value]".' } });
  t.notOk(read.response.body.includes('secret@example.com'));
  const empty = answer(401, '');
  t.equal(readAnswer(empty, spans).response, empty, 'an empty 401 passes unchanged');
});
