export function generateDecisionTableTypes(root: string): Promise<string>;
