/**
 * Known providers: a `provider NAME { … }` line whose NAME is here needs no base URL, protocol or key variable.
 * `keyEnv` lists the variables tried in order; `baseUrlEnv` overrides the base URL when set. Local providers need no
 * key and their traffic never leaves the machine.
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
  /** speaks OpenAI's Responses API natively (`protocol openai-responses`) */
  responses?: boolean;
}

const p = (
  name: string,
  title: string,
  baseUrl: string,
  keyEnv: string[],
  extra: Partial<ProviderPreset> = {},
): ProviderPreset => ({ name, title, protocol: 'openai', baseUrl, keyEnv, ...extra });

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  p('openai', 'OpenAI', 'https://api.openai.com/v1', ['OPENAI_API_KEY'], { baseUrlEnv: 'OPENAI_BASE_URL', responses: true }),
  p('anthropic', 'Anthropic (Claude)', 'https://api.anthropic.com', ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'], {
    protocol: 'anthropic',
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
  }),
  p('aliyun', 'Aliyun DashScope (百炼)', 'https://dashscope.aliyuncs.com/compatible-mode/v1', ['ALIYUN_API_KEY', 'DASHSCOPE_API_KEY']),
  p('moonshot', 'Moonshot (Kimi)', 'https://api.moonshot.cn/v1', ['MOONSHOT_API_KEY']),
  p('siliconflow', 'SiliconFlow (硅基流动)', 'https://api.siliconflow.cn/v1', ['SILICONFLOW_API_KEY']),
  p('deepseek', 'DeepSeek', 'https://api.deepseek.com/v1', ['DEEPSEEK_API_KEY']),
  p('groq', 'Groq', 'https://api.groq.com/openai/v1', ['GROQ_API_KEY']),
  p('minimax', 'MiniMax (海螺)', 'https://api.minimaxi.com/v1', ['MINIMAX_API_KEY']),
  p('nvidia', 'NVIDIA NIM', 'https://integrate.api.nvidia.com/v1', ['NVIDIA_API_KEY']),
  p('iflow', 'iFlow', 'https://apis.iflow.cn/v1', ['IFLOW_API_KEY']),
  p('openrouter', 'OpenRouter', 'https://openrouter.ai/api/v1', ['OPENROUTER_API_KEY']),
  p('zhipu', 'Zhipu AI (智谱 GLM)', 'https://open.bigmodel.cn/api/paas/v4', ['ZHIPU_API_KEY', 'ZHIPUAI_API_KEY']),
  p('gemini', 'Google Gemini', 'https://generativelanguage.googleapis.com/v1beta/openai', ['GEMINI_API_KEY', 'GOOGLE_API_KEY']),
  p('mistral', 'Mistral', 'https://api.mistral.ai/v1', ['MISTRAL_API_KEY']),
  p('together', 'Together AI', 'https://api.together.xyz/v1', ['TOGETHER_API_KEY']),
  p('fireworks', 'Fireworks AI', 'https://api.fireworks.ai/inference/v1', ['FIREWORKS_API_KEY']),
  p('perplexity', 'Perplexity', 'https://api.perplexity.ai', ['PERPLEXITY_API_KEY']),
  p('xai', 'xAI (Grok)', 'https://api.x.ai/v1', ['XAI_API_KEY']),
  p('cerebras', 'Cerebras', 'https://api.cerebras.ai/v1', ['CEREBRAS_API_KEY']),
  p('deepinfra', 'DeepInfra', 'https://api.deepinfra.com/v1/openai', ['DEEPINFRA_API_KEY']),
  p('sambanova', 'SambaNova', 'https://api.sambanova.ai/v1', ['SAMBANOVA_API_KEY']),
  p('volcengine', 'Volcengine Ark (豆包)', 'https://ark.cn-beijing.volces.com/api/v3', ['ARK_API_KEY', 'VOLCENGINE_API_KEY']),
  p('hunyuan', 'Tencent Hunyuan (混元)', 'https://api.hunyuan.cloud.tencent.com/v1', ['HUNYUAN_API_KEY']),
  p('qianfan', 'Baidu Qianfan (文心)', 'https://qianfan.baidubce.com/v2', ['QIANFAN_API_KEY']),
  p('stepfun', 'StepFun (阶跃星辰)', 'https://api.stepfun.com/v1', ['STEPFUN_API_KEY']),
  p('lingyiwanwu', '01.AI (零一万物)', 'https://api.lingyiwanwu.com/v1', ['LINGYIWANWU_API_KEY', 'YI_API_KEY']),
  p('baichuan', 'Baichuan (百川)', 'https://api.baichuan-ai.com/v1', ['BAICHUAN_API_KEY']),
  p('modelscope', 'ModelScope (魔搭)', 'https://api-inference.modelscope.cn/v1', ['MODELSCOPE_API_KEY']),
  p('novita', 'Novita AI', 'https://api.novita.ai/v3/openai', ['NOVITA_API_KEY']),
  p('hyperbolic', 'Hyperbolic', 'https://api.hyperbolic.xyz/v1', ['HYPERBOLIC_API_KEY']),
  p('cohere', 'Cohere', 'https://api.cohere.ai/compatibility/v1', ['COHERE_API_KEY']),
  p('github', 'GitHub Models', 'https://models.inference.ai.azure.com', ['GITHUB_TOKEN']),
  p('azure_openai', 'Azure OpenAI', '', ['AZURE_OPENAI_API_KEY'], { baseUrlEnv: 'AZURE_OPENAI_ENDPOINT' }),
  p('ollama', 'Ollama (local)', 'http://localhost:11434/v1', [], { baseUrlEnv: 'OLLAMA_HOST', local: true, keyOptional: true }),
  p('vllm', 'vLLM (local)', 'http://localhost:8000/v1', ['VLLM_API_KEY'], { baseUrlEnv: 'VLLM_BASE_URL', local: true, keyOptional: true }),
  p('llama_cpp', 'llama.cpp server (local)', 'http://127.0.0.1:8080/v1', [], { baseUrlEnv: 'LLAMA_CPP_BASE_URL', local: true, keyOptional: true }),
  p('lmstudio', 'LM Studio (local)', 'http://localhost:1234/v1', [], { baseUrlEnv: 'LMSTUDIO_BASE_URL', local: true, keyOptional: true }),
];

const byName = new Map(PROVIDER_PRESETS.map((x) => [x.name, x]));
export function findPreset(name: string): ProviderPreset | undefined {
  return byName.get(name);
}
