/**
 * A scripted chat stream whose placeholders ([PHONE_1], [EMAIL_1]) are split across chunks, and the text a client
 * must see once the values are restored: what the PII tests of every front door send through a chat upstream.
 */
export function splitPlaceholderStream(model: string): string {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return (
    chunk({ role: 'assistant', content: '' }) +
    chunk({ content: 'Calling [PH' }) +
    chunk({ content: 'ONE_1] now. Mail [' }) +
    chunk({ content: 'EMAIL' }) +
    chunk({ content: '_1] too [' }) +
    chunk({}, 'stop') +
    'data: [DONE]\n\n'
  );
}

/** The restored text of splitPlaceholderStream. */
export const restoredSplitText = (phone: string, email: string) => `Calling ${phone} now. Mail ${email} too [`;
