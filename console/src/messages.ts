// The console's words in English and Chinese (a key missing in zh falls back to en).
export type Lang = 'en' | 'zh';

const en: Record<string, string> = {
  'nav.dashboard': 'Dashboard', 'nav.quotas': 'Quotas', 'nav.logs': 'Logs', 'nav.policy': 'Policy', 'nav.providers': 'Providers', 'nav.keys': 'Keys', 'nav.alerts': 'Alerts', 'nav.menu': 'Menu',
  lang: 'Language', logout: 'Log out', now: 'now', other: 'other', any: 'any', apply: 'Apply', clear: 'Clear', cancel: 'Cancel', ok: 'ok', failed: 'failed',
  'login.title': 'gw console', 'login.hint': 'Log in with the gateway\'s admin token (gateway { auth … } in routes.gw).', 'login.token': 'Admin token', 'login.submit': 'Log in', 'login.wrong': 'Wrong admin token.',
  'range.today': 'Today', 'range.7d': '7 days', 'range.30d': '30 days',
  'fig.requests': 'Requests', 'fig.tokens': 'Tokens (prompt / completion)', 'fig.cost': 'Spend', 'fig.saved': 'Saved vs all-paid', 'fig.free_used': 'Free tokens used', 'fig.free_left': 'Free tokens left', 'fig.errors': 'Errors (rate)',
  'chart.tokens': 'Tokens by {bucket}', 'chart.requests': 'Requests by {bucket}', 'chart.byTier': 'by tier', 'chart.byModel': 'by model', 'bucket.hour': 'hour', 'bucket.day': 'day',
  'tier.free': 'free', 'tier.paid': 'paid', 'tier.local': 'local',
  'quotas.none': 'No free quota is declared.', 'quotas.used': 'used', 'quotas.reserved': 'reserved', 'quotas.left': 'left', 'quotas.period': 'period', 'quotas.resets': 'resets', 'quotas.in': 'in {d}', 'quotas.expires': 'expires', 'quotas.provider': 'provider says', 'quotas.alert': 'alert', 'quotas.register': 'Register a free quota', 'quotas.registerBtn': 'Register',
  'f.provider': 'Provider', 'f.model': 'Model', 'f.tokens': 'Tokens', 'f.resetAt': 'Reset at', 'f.zone': 'Time zone', 'f.from': 'From', 'f.to': 'To', 'f.scenario': 'Scenario', 'f.tier': 'Tier', 'f.status': 'Status', 'f.client': 'Client', 'f.text': 'Text', 'f.time': 'Time', 'f.latency': 'Latency', 'f.cost': 'Cost', 'f.name': 'Name', 'f.prompt': 'Prompt', 'f.endpoint': 'Endpoint', 'f.priority': 'Priority', 'f.preferFree': 'prefer free',
  'logs.none': 'No logged request matches.', 'logs.more': 'Older requests',
  'log.trace': 'Decision trace', 'log.noTrace': 'No trace was logged for this request.', 'log.attempts': 'Attempts', 'log.failure': 'Failure', 'log.request': 'Request', 'log.response': 'Answer', 'log.notLogged': '(not logged)',
  'policy.generation': 'generation', 'policy.lastReload': 'last reload', 'policy.review': 'Review changes', 'policy.discard': 'Discard', 'policy.errors': '{n} error(s)', 'policy.clean': 'no errors', 'policy.diff': 'Changes: {n} line(s)', 'policy.save': 'Save and reload', 'policy.saved': 'Saved and reloaded: generation {g}.', 'policy.notReloaded': 'Saved, but the reload failed.', 'policy.conflict': 'routes.gw changed on disk since it was loaded here.', 'policy.reloadDisk': 'Load the file from disk', 'policy.explain': 'Explain playground', 'policy.explainBtn': 'Explain',
  'prov.disabled': 'disabled', 'prov.test': 'Test', 'prov.key': 'key', 'prov.region': 'region', 'prov.context': 'Context', 'prov.maxOut': 'Max output', 'prov.price': 'Price in / out (per 1M)', 'prov.caps': 'Capabilities', 'prov.sources': 'Small print beside a value says where it came from: declared (routes.gw), catalog, or provider.', 'prov.others': 'Other providers gw knows (a `provider NAME { key env … }` line enables one):',
  'keys.clients': 'Client keys', 'keys.prefix': 'Prefix', 'keys.budget': 'Budget', 'keys.usage': 'Today', 'keys.per': 'per', 'keys.spentBudget': '{v} of the budget spent', 'keys.created': 'Created', 'keys.revoke': 'Revoke', 'keys.confirm': 'Really revoke?', 'keys.isRevoked': 'revoked', 'keys.revoked': 'Key {name} revoked.', 'keys.none': 'No client key yet.', 'keys.create': 'New client key', 'keys.createBtn': 'Create key', 'keys.once': 'The key for {name}, shown this once: copy it now.', 'keys.stored': 'I have stored it',
  'secrets.title': 'Provider keys in the vault', 'secrets.hint': 'Values are stored encrypted and never shown again.', 'secrets.setAt': 'Set', 'secrets.replace': 'replace', 'secrets.remove': 'remove', 'secrets.value': 'Value', 'secrets.setBtn': 'Set', 'secrets.set': 'Secret {name} set.', 'secrets.removed': 'Secret {name} removed.',
  'alerts.webhook': 'Webhook', 'alerts.noWebhook': 'none (alert { webhook … } in routes.gw)', 'alerts.test': 'Send test', 'alerts.sent': 'Test alert delivered (HTTP {status}).', 'alerts.notSent': 'The webhook did not take the test alert (HTTP {status}).', 'alerts.rules': 'Low quota below {n} tokens; expiry warning {h} h ahead.', 'alerts.none': 'No alert right now.', 'alerts.low': 'Low quota', 'alerts.expiring': 'Expiring soon',
};

const zh: Record<string, string> = {
  'nav.dashboard': '概览', 'nav.quotas': '免费额度', 'nav.logs': '日志', 'nav.policy': '策略', 'nav.providers': '供应商', 'nav.keys': '密钥', 'nav.alerts': '告警', 'nav.menu': '菜单',
  lang: '语言', logout: '退出', now: '现在', other: '其他', any: '全部', apply: '筛选', clear: '清除', cancel: '取消', ok: '成功', failed: '失败',
  'login.title': 'gw 控制台', 'login.hint': '使用网关的管理令牌登录（routes.gw 中的 gateway { auth … }）。', 'login.token': '管理令牌', 'login.submit': '登录', 'login.wrong': '管理令牌错误。',
  'range.today': '今天', 'range.7d': '7 天', 'range.30d': '30 天',
  'fig.requests': '请求数', 'fig.tokens': 'Token（输入 / 输出）', 'fig.cost': '花费', 'fig.saved': '相比全付费节省', 'fig.free_used': '已用免费 Token', 'fig.free_left': '剩余免费 Token', 'fig.errors': '错误（比例）',
  'chart.tokens': '按{bucket}的 Token', 'chart.requests': '按{bucket}的请求数', 'chart.byTier': '按层级', 'chart.byModel': '按模型', 'bucket.hour': '小时', 'bucket.day': '天',
  'tier.free': '免费', 'tier.paid': '付费', 'tier.local': '本地',
  'quotas.none': '没有声明免费额度。', 'quotas.used': '已用', 'quotas.reserved': '预留', 'quotas.left': '剩余', 'quotas.period': '周期', 'quotas.resets': '重置于', 'quotas.in': '还有 {d}', 'quotas.expires': '到期', 'quotas.provider': '供应商数据', 'quotas.alert': '告警', 'quotas.register': '登记免费额度', 'quotas.registerBtn': '登记',
  'f.provider': '供应商', 'f.model': '模型', 'f.tokens': 'Token', 'f.resetAt': '重置时间', 'f.zone': '时区', 'f.from': '开始', 'f.to': '结束', 'f.scenario': '场景', 'f.tier': '层级', 'f.status': '状态', 'f.client': '客户端', 'f.text': '文本', 'f.time': '时间', 'f.latency': '延迟', 'f.cost': '花费', 'f.name': '名称', 'f.prompt': '提示词', 'f.endpoint': '接口', 'f.priority': '优先级', 'f.preferFree': '优先免费',
  'logs.none': '没有匹配的请求。', 'logs.more': '更早的请求',
  'log.trace': '决策过程', 'log.noTrace': '此请求没有记录决策过程。', 'log.attempts': '尝试', 'log.failure': '失败原因', 'log.request': '请求', 'log.response': '回答', 'log.notLogged': '（未记录）',
  'policy.generation': '版本', 'policy.lastReload': '上次加载', 'policy.review': '查看改动', 'policy.discard': '放弃', 'policy.errors': '{n} 个错误', 'policy.clean': '没有错误', 'policy.diff': '改动：{n} 行', 'policy.save': '保存并重新加载', 'policy.saved': '已保存并重新加载：版本 {g}。', 'policy.notReloaded': '已保存，但重新加载失败。', 'policy.conflict': '加载后 routes.gw 在磁盘上已被修改。', 'policy.reloadDisk': '从磁盘重新读取', 'policy.explain': '路由解释', 'policy.explainBtn': '解释',
  'prov.disabled': '未启用', 'prov.test': '测试', 'prov.key': '密钥变量', 'prov.region': '地区', 'prov.context': '上下文', 'prov.maxOut': '最大输出', 'prov.price': '价格 输入 / 输出（每 1M）', 'prov.caps': '能力', 'prov.sources': '数值旁的小字表示来源：declared（routes.gw）、catalog（目录）或 provider（供应商）。', 'prov.others': 'gw 认识的其他供应商（在 routes.gw 写一行 provider 名称 { key env … } 即可启用）：',
  'keys.clients': '客户端密钥', 'keys.prefix': '前缀', 'keys.budget': '预算', 'keys.usage': '今日', 'keys.per': '每', 'keys.spentBudget': '预算已用 {v}', 'keys.created': '创建于', 'keys.revoke': '吊销', 'keys.confirm': '确认吊销？', 'keys.isRevoked': '已吊销', 'keys.revoked': '密钥 {name} 已吊销。', 'keys.none': '还没有客户端密钥。', 'keys.create': '新建客户端密钥', 'keys.createBtn': '创建', 'keys.once': '{name} 的密钥只显示这一次，请立即复制。', 'keys.stored': '我已保存',
  'secrets.title': '保管库中的供应商密钥', 'secrets.hint': '值加密保存，不会再显示。', 'secrets.setAt': '设置于', 'secrets.replace': '替换', 'secrets.remove': '删除', 'secrets.value': '值', 'secrets.setBtn': '设置', 'secrets.set': '已设置 {name}。', 'secrets.removed': '已删除 {name}。',
  'alerts.webhook': 'Webhook', 'alerts.noWebhook': '未设置（routes.gw 中的 alert { webhook … }）', 'alerts.test': '发送测试', 'alerts.sent': '测试告警已送达（HTTP {status}）。', 'alerts.notSent': 'Webhook 未接受测试告警（HTTP {status}）。', 'alerts.rules': '额度低于 {n} Token 时告警；到期前 {h} 小时提醒。', 'alerts.none': '当前没有告警。', 'alerts.low': '额度不足', 'alerts.expiring': '即将到期',
};

export const messages: Record<Lang, Record<string, string>> = { en, zh };
