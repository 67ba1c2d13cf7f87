// the rendering lives with the router (the console's server renders traces too); the CLI's name for it stays
export { renderExplain, explainLines, type ExplainMeta, type ExplainLine } from '../runtime/router/explain-render.ts';
