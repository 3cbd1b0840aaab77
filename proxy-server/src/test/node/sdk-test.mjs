// Drives a running Tollgate with the official openai SDK. Usage: node sdk-test.mjs <baseURL> <key> <model> <user>
// Prints one JSON line with what the SDK saw; exits non-zero on any SDK error.
import OpenAI from 'openai';

const [baseURL, apiKey, model, user] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const messages = [{ role: 'user', content: 'what time is it' }];

const plain = await client.chat.completions.create({ model, user, messages });

const stream = await client.chat.completions.create({
  model, user, messages, stream: true, stream_options: { include_usage: true },
});
let streamText = '';
let streamUsage = null;
let chunks = 0;
let usageChunks = 0;
for await (const chunk of stream) {
  chunks++;
  streamText += chunk.choices[0]?.delta?.content ?? '';
  if (chunk.usage) {
    usageChunks++;
    streamUsage = chunk.usage;
  }
}

let errorStatus = null;
let errorType = null;
try {
  await client.chat.completions.create({ model: 'no-such-model', user, messages });
} catch (e) {
  errorStatus = e.status ?? null;
  errorType = e.constructor?.name ?? null;
}

console.log(JSON.stringify({
  plainText: plain.choices[0].message.content,
  plainUsage: plain.usage,
  streamText,
  streamUsage,
  chunks,
  usageChunks,
  errorStatus,
  errorType,
}));
