/** The capability words a model's `can` line may hold (`gw check` rejects others, with did-you-mean). */
export const CAPABILITIES = ['code', 'vision', 'tools', 'reasoning', 'embed', 'json', 'audio', 'long_context'] as const;

export interface RequestCapabilities {
  images: boolean;
  tools: boolean;
  embeddings: boolean;
}

/**
 * Why a model cannot take a request for what it is declared to do, or null: image parts need `can vision`, tools
 * `can tools`; `can embed` models take embeddings requests only, and embeddings requests only them.
 */
export function missingCapability(can: readonly string[], need: RequestCapabilities): string | null {
  const embed = embedsOf(can);
  if (need.embeddings) return embed ? null : 'not an embeddings model (no `can embed`)';
  if (embed) return 'an embeddings model (`can embed`) takes only embeddings requests';
  if (need.images && !can.includes('vision')) return 'the request has images and the model has no `can vision`';
  if (need.tools && !can.includes('tools')) return 'the request has tools and the model has no `can tools`';
  return null;
}

/** A `can embed` model: it answers /v1/embeddings only. */
export function embedsOf(can: readonly string[]): boolean {
  return can.includes('embed');
}

/** Why a provider cannot answer an embeddings request, or null (Anthropic's Messages API has no embeddings endpoint). */
export const NO_EMBEDDINGS_API = 'its provider speaks Anthropic Messages, which serves no embeddings';

/** Whether an eligibility reason is one missingCapability gives: no model of the policy can change it at run time. */
export function isCapabilityReason(reason: string): boolean {
  return reason.startsWith('the request has ') || reason.endsWith('(no `can embed`)') || reason.endsWith('takes only embeddings requests') || reason === NO_EMBEDDINGS_API;
}
