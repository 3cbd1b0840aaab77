// Drives a running Tollgate's /v1/messages with the official @anthropic-ai/sdk.
// Usage: node anthropic-sdk-test.mjs <baseURL> <key> <model> <user>
// Prints one JSON line with what the SDK saw; exits non-zero on any unexpected SDK error.
import Anthropic from '@anthropic-ai/sdk';

const [baseURL, apiKey, model, user] = process.argv.slice(2);
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const params = {
  model, max_tokens: 100, metadata: { user_id: user },
  system: 'Be brief.',
  messages: [{ role: 'user', content: 'what time is it' }],
};

const plain = await client.messages.create(params);

const stream = await client.messages.create({ ...params, stream: true });
let streamText = '';
let streamUsage = null;
let events = 0;
for await (const event of stream) {
  events++;
  if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
    streamText += event.delta.text;
  }
  if (event.type === 'message_delta') {
    streamUsage = event.usage;
  }
}

let errorStatus = null;
let errorType = null;
try {
  await client.messages.create({ ...params, model: 'no-such-model' });
} catch (e) {
  errorStatus = e.status ?? null;
  errorType = e.constructor?.name ?? null;
}

console.log(JSON.stringify({
  plainText: plain.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
  plainUsage: plain.usage,
  plainStopReason: plain.stop_reason,
  streamText,
  streamUsage,
  events,
  errorStatus,
  errorType,
}));
