/**
 * Known providers: a `provider NAME { … }` line whose NAME is here needs no base URL, protocol or key variable.
 * `keyEnv` lists the variables tried in order; `baseUrlEnv` overrides the base URL when set; `${VAR}` in a base URL
 * is filled from the environment (the provider is disabled until it is set). Local providers need no key and their
 * traffic never leaves the machine. `catalog` names the models.dev provider ids whose models this provider serves
 * (default: its own name); `defaultModels` are current models of that catalog to start a policy with.
 */
export interface ProviderPreset {
  name: string;
  title: string;
  protocol: 'openai' | 'anthropic';
  baseUrl: string;
  keyEnv: string[];
  baseUrlEnv?: string;
  local?: boolean;
  /** the key is optional (local servers, self-hosted) */
  keyOptional?: boolean;
  /** where the endpoint is: mainland China, elsewhere, or this machine */
  region: 'cn' | 'global' | 'local';
  docs: string;
  catalog?: string[];
  defaultModels?: string[];
  /** anything a user must know to use it (deployment names, account ids) */
  note?: string;
  /** speaks OpenAI's Responses API natively (`protocol openai-responses`) */
  responses?: boolean;
}

type Extra = Partial<Omit<ProviderPreset, 'name' | 'title' | 'baseUrl' | 'region' | 'docs'>>;

const p = (name: string, title: string, region: ProviderPreset['region'], baseUrl: string, keyEnv: string[], docs: string, extra: Extra = {}): ProviderPreset => ({
  name,
  title,
  protocol: 'openai',
  baseUrl,
  keyEnv,
  region,
  docs,
  ...extra,
});
const local = (name: string, title: string, baseUrl: string, baseUrlEnv: string, docs: string, extra: Extra = {}): ProviderPreset =>
  p(name, title, 'local', baseUrl, extra.keyEnv ?? [], docs, { baseUrlEnv, local: true, keyOptional: true, ...extra });

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  p('openai', 'OpenAI', 'global', 'https://api.openai.com/v1', ['OPENAI_API_KEY'], 'https://platform.openai.com/docs/models', {
    baseUrlEnv: 'OPENAI_BASE_URL',
    responses: true,
    defaultModels: ['gpt-5.4-mini', 'gpt-5.5'],
  }),
  p('anthropic', 'Anthropic (Claude)', 'global', 'https://api.anthropic.com', ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'], 'https://docs.anthropic.com/en/docs/about-claude/models', {
    protocol: 'anthropic',
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
    defaultModels: ['claude-sonnet-4-6', 'claude-haiku-4-5'],
  }),
  p('aliyun', 'Aliyun DashScope (百炼)', 'cn', 'https://dashscope.aliyuncs.com/compatible-mode/v1', ['ALIYUN_API_KEY', 'DASHSCOPE_API_KEY'], 'https://help.aliyun.com/zh/model-studio/models', {
    baseUrlEnv: 'ALIYUN_BASE_URL',
    catalog: ['alibaba-cn', 'alibaba'],
    defaultModels: ['qwen3-max', 'qwen-plus'],
  }),
  p('moonshot', 'Moonshot (Kimi)', 'cn', 'https://api.moonshot.cn/v1', ['MOONSHOT_API_KEY'], 'https://platform.moonshot.cn/docs/api/chat', {
    baseUrlEnv: 'MOONSHOT_BASE_URL',
    catalog: ['moonshotai-cn', 'moonshotai'],
    defaultModels: ['kimi-k2.6'],
  }),
  p('siliconflow', 'SiliconFlow (硅基流动)', 'cn', 'https://api.siliconflow.cn/v1', ['SILICONFLOW_API_KEY'], 'https://docs.siliconflow.cn/', {
    baseUrlEnv: 'SILICONFLOW_BASE_URL',
    catalog: ['siliconflow-cn'],
    defaultModels: ['Qwen/Qwen3-8B', 'deepseek-ai/DeepSeek-V3.2'],
  }),
  p('deepseek', 'DeepSeek', 'cn', 'https://api.deepseek.com/v1', ['DEEPSEEK_API_KEY'], 'https://api-docs.deepseek.com/quick_start/pricing', {
    baseUrlEnv: 'DEEPSEEK_BASE_URL',
    defaultModels: ['deepseek-v4-flash', 'deepseek-v4-pro'],
  }),
  p('groq', 'Groq', 'global', 'https://api.groq.com/openai/v1', ['GROQ_API_KEY'], 'https://console.groq.com/docs/models', { baseUrlEnv: 'GROQ_BASE_URL', defaultModels: ['llama-3.1-8b-instant', 'llama-3.3-70b-versatile'] }),
  p('minimax', 'MiniMax (海螺)', 'cn', 'https://api.minimaxi.com/v1', ['MINIMAX_API_KEY'], 'https://platform.minimaxi.com/docs/guides/quickstart', {
    catalog: ['minimax-cn', 'minimax'],
    defaultModels: ['MiniMax-M2.7'],
  }),
  p('nvidia', 'NVIDIA NIM', 'global', 'https://integrate.api.nvidia.com/v1', ['NVIDIA_API_KEY'], 'https://docs.api.nvidia.com/nim/', { defaultModels: ['z-ai/glm5'] }),
  p('iflow', 'iFlow (心流)', 'cn', 'https://apis.iflow.cn/v1', ['IFLOW_API_KEY'], 'https://platform.iflow.cn/en/docs', { catalog: ['iflowcn'], defaultModels: ['qwen3-coder-plus'] }),
  p('openrouter', 'OpenRouter', 'global', 'https://openrouter.ai/api/v1', ['OPENROUTER_API_KEY'], 'https://openrouter.ai/docs'),
  p('zhipu', 'Zhipu AI (智谱 GLM)', 'cn', 'https://open.bigmodel.cn/api/paas/v4', ['ZHIPU_API_KEY', 'ZHIPUAI_API_KEY'], 'https://docs.bigmodel.cn/', {
    catalog: ['zhipuai'],
    defaultModels: ['glm-4.7-flash', 'glm-5.1'],
  }),
  p('gemini', 'Google Gemini', 'global', 'https://generativelanguage.googleapis.com/v1beta/openai', ['GEMINI_API_KEY', 'GOOGLE_API_KEY'], 'https://ai.google.dev/gemini-api/docs/openai', {
    catalog: ['google'],
    defaultModels: ['gemini-2.5-flash', 'gemini-2.5-pro'],
  }),
  p('mistral', 'Mistral', 'global', 'https://api.mistral.ai/v1', ['MISTRAL_API_KEY'], 'https://docs.mistral.ai/getting-started/models/'),
  p('together', 'Together AI', 'global', 'https://api.together.xyz/v1', ['TOGETHER_API_KEY'], 'https://docs.together.ai/docs/serverless-models', { catalog: ['togetherai'] }),
  p('fireworks', 'Fireworks AI', 'global', 'https://api.fireworks.ai/inference/v1', ['FIREWORKS_API_KEY'], 'https://fireworks.ai/docs/', { catalog: ['fireworks-ai'] }),
  p('perplexity', 'Perplexity', 'global', 'https://api.perplexity.ai', ['PERPLEXITY_API_KEY'], 'https://docs.perplexity.ai'),
  p('xai', 'xAI (Grok)', 'global', 'https://api.x.ai/v1', ['XAI_API_KEY'], 'https://docs.x.ai/docs/models'),
  p('cerebras', 'Cerebras', 'global', 'https://api.cerebras.ai/v1', ['CEREBRAS_API_KEY'], 'https://inference-docs.cerebras.ai/models/overview'),
  p('deepinfra', 'DeepInfra', 'global', 'https://api.deepinfra.com/v1/openai', ['DEEPINFRA_API_KEY'], 'https://deepinfra.com/docs'),
  p('sambanova', 'SambaNova', 'global', 'https://api.sambanova.ai/v1', ['SAMBANOVA_API_KEY'], 'https://docs.sambanova.ai/'),
  p('volcengine', 'Volcengine Ark (豆包)', 'cn', 'https://ark.cn-beijing.volces.com/api/v3', ['ARK_API_KEY', 'VOLCENGINE_API_KEY'], 'https://www.volcengine.com/docs/82379', {
    note: 'models are named by their model id (doubao-seed-…) or an endpoint id (ep-…)',
  }),
  p('hunyuan', 'Tencent Hunyuan (混元)', 'cn', 'https://api.hunyuan.cloud.tencent.com/v1', ['HUNYUAN_API_KEY'], 'https://cloud.tencent.com/document/product/1729/111007', {
    catalog: ['tencent-tokenhub'],
  }),
  p('qianfan', 'Baidu Qianfan (文心)', 'cn', 'https://qianfan.baidubce.com/v2', ['QIANFAN_API_KEY'], 'https://cloud.baidu.com/doc/qianfan-api/s/3m7of64lb', {
    note: 'the v2 API takes a bearer API key (bce-v3/…); the v1 AK/SK signature is not supported',
  }),
  p('spark', 'iFlytek Spark (星火)', 'cn', 'https://spark-api-open.xf-yun.com/v1', ['SPARK_API_PASSWORD', 'XFYUN_API_KEY'], 'https://www.xfyun.cn/doc/spark/HTTP%E8%B0%83%E7%94%A8%E6%96%87%E6%A1%A3.html', {
    note: 'the key is the console’s APIPassword for the HTTP API',
  }),
  p('stepfun', 'StepFun (阶跃星辰)', 'cn', 'https://api.stepfun.com/v1', ['STEPFUN_API_KEY'], 'https://platform.stepfun.com/docs/zh/overview/concept'),
  p('lingyiwanwu', '01.AI (零一万物)', 'cn', 'https://api.lingyiwanwu.com/v1', ['LINGYIWANWU_API_KEY', 'YI_API_KEY'], 'https://platform.lingyiwanwu.com/docs'),
  p('baichuan', 'Baichuan (百川)', 'cn', 'https://api.baichuan-ai.com/v1', ['BAICHUAN_API_KEY'], 'https://platform.baichuan-ai.com/docs/api'),
  p('qiniu', 'Qiniu AI (七牛云)', 'cn', 'https://api.qnaigc.com/v1', ['QINIU_API_KEY'], 'https://developer.qiniu.com/aitokenapi', { catalog: ['qiniu-ai'] }),
  p('modelscope', 'ModelScope (魔搭)', 'cn', 'https://api-inference.modelscope.cn/v1', ['MODELSCOPE_API_KEY'], 'https://modelscope.cn/docs/model-service/API-Inference/intro'),
  p('perfxcloud', 'PerfXCloud', 'cn', 'https://cloud.perfxlab.cn/v1', ['PERFXCLOUD_API_KEY'], 'https://cloud.perfxlab.cn/'),
  p('novita', 'Novita AI', 'global', 'https://api.novita.ai/openai', ['NOVITA_API_KEY'], 'https://novita.ai/docs/guides/introduction', { catalog: ['novita-ai'] }),
  p('hyperbolic', 'Hyperbolic', 'global', 'https://api.hyperbolic.xyz/v1', ['HYPERBOLIC_API_KEY'], 'https://docs.hyperbolic.xyz/'),
  p('cohere', 'Cohere', 'global', 'https://api.cohere.ai/compatibility/v1', ['COHERE_API_KEY'], 'https://docs.cohere.com/docs/compatibility-api'),
  p('huggingface', 'Hugging Face router', 'global', 'https://router.huggingface.co/v1', ['HF_TOKEN', 'HUGGINGFACE_API_KEY'], 'https://huggingface.co/docs/inference-providers'),
  p('jina', 'Jina AI', 'global', 'https://api.jina.ai/v1', ['JINA_API_KEY'], 'https://jina.ai/embeddings/', { defaultModels: ['jina-embeddings-v3'] }),
  p('cloudflare', 'Cloudflare Workers AI', 'global', 'https://api.cloudflare.com/client/v4/accounts/${CLOUDFLARE_ACCOUNT_ID}/ai/v1', ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY'], 'https://developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/', {
    catalog: ['cloudflare-workers-ai'],
    note: 'set CLOUDFLARE_ACCOUNT_ID too; models are named @cf/…',
  }),
  p('github', 'GitHub Models', 'global', 'https://models.github.ai/inference', ['GITHUB_TOKEN'], 'https://docs.github.com/en/github-models', { catalog: ['github-models'] }),
  p('azure_openai', 'Azure OpenAI', 'global', '${AZURE_OPENAI_ENDPOINT}/openai/v1', ['AZURE_OPENAI_API_KEY'], 'https://learn.microsoft.com/en-us/azure/ai-foundry/openai/api-version-lifecycle', {
    catalog: ['azure'],
    note: 'AZURE_OPENAI_ENDPOINT is https://RESOURCE.openai.azure.com; the v1 API needs no api-version; a model line names a deployment',
  }),
  local('ollama', 'Ollama (local)', 'http://localhost:11434/v1', 'OLLAMA_HOST', 'https://github.com/ollama/ollama/blob/main/docs/openai.md'),
  local('vllm', 'vLLM (local)', 'http://localhost:8000/v1', 'VLLM_BASE_URL', 'https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html', { keyEnv: ['VLLM_API_KEY'] }),
  local('llama_cpp', 'llama.cpp server (local)', 'http://127.0.0.1:8080/v1', 'LLAMA_CPP_BASE_URL', 'https://github.com/ggml-org/llama.cpp/tree/master/tools/server'),
  local('lmstudio', 'LM Studio (local)', 'http://localhost:1234/v1', 'LMSTUDIO_BASE_URL', 'https://lmstudio.ai/docs/app/api/endpoints/openai'),
  local('localai', 'LocalAI (local)', 'http://localhost:8080/v1', 'LOCALAI_BASE_URL', 'https://localai.io/', { keyEnv: ['LOCALAI_API_KEY'] }),
  local('xinference', 'Xinference (local)', 'http://localhost:9997/v1', 'XINFERENCE_BASE_URL', 'https://inference.readthedocs.io/', { keyEnv: ['XINFERENCE_API_KEY'] }),
  local('gpustack', 'GPUStack (local)', 'http://localhost/v1', 'GPUSTACK_BASE_URL', 'https://docs.gpustack.ai/', { keyEnv: ['GPUSTACK_API_KEY'] }),
  local('openllm', 'OpenLLM (local)', 'http://localhost:3000/v1', 'OPENLLM_BASE_URL', 'https://github.com/bentoml/OpenLLM'),
  local('tei', 'HF TEI (local)', 'http://localhost:8080/v1', 'TEI_BASE_URL', 'https://huggingface.co/docs/text-embeddings-inference'),
];

/**
 * Providers in the seeds that speak neither OpenAI's nor Anthropic's wire format: listed by `gw providers` with
 * what supporting them would take, so a user is told why there is no preset.
 */
export interface UnsupportedProvider {
  name: string;
  title: string;
  region: 'cn' | 'global';
  docs: string;
  needs: string;
}

export const UNSUPPORTED_PROVIDERS: readonly UnsupportedProvider[] = [
  { name: 'bedrock', title: 'AWS Bedrock', region: 'global', docs: 'https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html', needs: 'SigV4 request signing (access key, secret, region) and the Converse API shape; or run Bedrock Access Gateway locally and use it as an OpenAI-compatible provider' },
  { name: 'vertex', title: 'Google Vertex AI', region: 'global', docs: 'https://cloud.google.com/vertex-ai/generative-ai/docs/start/openai', needs: 'OAuth2 access tokens from a service account (short-lived, refreshed hourly); its OpenAI-compatible endpoint works once a token source exists' },
  { name: 'sagemaker', title: 'AWS SageMaker endpoints', region: 'global', docs: 'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html', needs: 'SigV4 signing and a per-model payload format' },
  { name: 'replicate', title: 'Replicate', region: 'global', docs: 'https://replicate.com/docs/reference/http', needs: 'its own predictions API (create, then poll or stream a prediction)' },
  { name: 'triton', title: 'NVIDIA Triton', region: 'global', docs: 'https://docs.nvidia.com/deeplearning/triton-inference-server/', needs: 'the KServe v2 inference protocol; its OpenAI-compatible frontend, when deployed, works as a custom provider' },
  { name: 'aliyun_pai', title: 'Aliyun PAI-EAS', region: 'cn', docs: 'https://help.aliyun.com/zh/pai/', needs: 'a per-deployment URL and token: declare it as a custom provider with base_url (vLLM/SGLang deployments speak OpenAI)' },
  { name: 'tencent_ti', title: 'Tencent Cloud TI-ONE', region: 'cn', docs: 'https://cloud.tencent.com/document/product/851', needs: 'TC3-HMAC-SHA256 request signing; deployments with an OpenAI-compatible service work as a custom provider' },
  { name: 'stability', title: 'Stability AI', region: 'global', docs: 'https://platform.stability.ai/docs/api-reference', needs: 'an image-generation front door (not chat)' },
  { name: 'elevenlabs', title: 'ElevenLabs', region: 'global', docs: 'https://elevenlabs.io/docs/api-reference', needs: 'a speech front door (not chat)' },
  { name: 'assemblyai', title: 'AssemblyAI', region: 'global', docs: 'https://www.assemblyai.com/docs', needs: 'a transcription front door (not chat)' },
  { name: 'midjourney', title: 'Midjourney', region: 'global', docs: 'https://docs.midjourney.com/', needs: 'no public API' },
  { name: 'runway', title: 'RunwayML', region: 'global', docs: 'https://docs.dev.runwayml.com/', needs: 'a video-generation task API (not chat)' },
];

const byName = new Map(PROVIDER_PRESETS.map((x) => [x.name, x]));
export function findPreset(name: string): ProviderPreset | undefined {
  return byName.get(name);
}

/** The models.dev provider ids a gw provider's models are found under. */
export function catalogIdsOf(name: string): string[] {
  return findPreset(name)?.catalog ?? [name];
}

/**
 * A preset's effective base URL in an environment: the override variable when set, else the preset's URL with each
 * `${VAR}` filled in. `missing` names the variables that must be set first (then `url` is null).
 */
export function presetBaseUrl(preset: ProviderPreset, env: Readonly<Record<string, string | undefined>>): { url: string | null; missing: string[] } {
  const override = preset.baseUrlEnv ? env[preset.baseUrlEnv] : undefined;
  if (override) return { url: override, missing: [] };
  if (!preset.baseUrl) return { url: null, missing: preset.baseUrlEnv ? [preset.baseUrlEnv] : [] };
  const missing: string[] = [];
  const url = preset.baseUrl.replace(/\$\{([A-Z0-9_]+)\}/g, (_, v: string) => {
    const val = env[v];
    if (!val) missing.push(v);
    return (val ?? '').replace(/\/+$/, '');
  });
  return missing.length ? { url: null, missing } : { url, missing };
}
