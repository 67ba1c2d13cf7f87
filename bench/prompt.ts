/** The workload both gateway benches use: the chat request (a system prompt and a 1.1 KB question that no scenario regex matches) … */
export const BENCH_PROMPT = {
  model: 'auto',
  messages: [
    { role: 'system', content: 'You are a concise assistant for a small online bookshop. Answer in two or three sentences, politely, and never invent stock levels or prices.' },
    {
      role: 'user',
      content:
        'Hello! I am putting together a reading list for a book club that meets once a month at the local library. ' +
        'We are eight people with quite different tastes: two of us love historical fiction, one reads mostly travel writing, ' +
        'a few prefer contemporary novels with strong characters, and one member only reads short books because of a busy job. ' +
        'Last year we read twelve novels and the discussions were best when the book had a clear moral dilemma at its centre. ' +
        'Could you suggest a way to choose six titles for the coming half year so that everyone gets something they enjoy, ' +
        'and tell me whether it is better to alternate long and short books or to group them by theme? ' +
        'We would also like a simple rule for deciding who leads each discussion, and a tip for keeping the meeting under ninety minutes. ' +
        'Thank you very much for your help, we really appreciate it.',
    },
  ],
  temperature: 0.7,
  max_tokens: 256,
};

/** The same request through the Responses API (`/v1/responses`): instructions and input, nothing stored (the translation alone). */
export const BENCH_RESPONSES_PROMPT = {
  model: 'auto',
  instructions: BENCH_PROMPT.messages[0].content,
  input: BENCH_PROMPT.messages[1].content,
  temperature: BENCH_PROMPT.temperature,
  max_output_tokens: BENCH_PROMPT.max_tokens,
  store: false,
};

/**
 * The benches' policy: one free and one paid model on the mock upstream at `baseUrl`; two regex scenarios that the
 * prompt does not match, and the default chat scenario with `willingness` % free.
 */
export const benchPolicy = (baseUrl: string, willingness = 30) => `
provider mock { base_url "${baseUrl}"  key env MOCK_KEY }

model mock/free-model { context 32k   free 1000M tokens every day }
model mock/paid-model { context 128k  price 1 / 2 }

scenario code when text ~ /\`\`\`|\\bdef |\\bfunction\\b|python|javascript/i {
  paid mock/paid-model
  free mock/free-model
  willingness 90%
}
scenario math when text ~ /prove|equation|integral/i {
  paid mock/paid-model
  free mock/free-model
  willingness 80%
}
scenario chat {
  paid mock/paid-model
  free mock/free-model
  willingness ${willingness}%
}
`;
