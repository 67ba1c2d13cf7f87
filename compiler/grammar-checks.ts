/**
 * Whether chevrotain validates the grammar when the lexer and parser are built (slow: a large share of a cold
 * `gw check`). On when running from the sources (tests, tsx), where a grammar mistake must surface; off in the compiled
 * build, which bin/build.js makes with GW_COMPILED defined as "1" (the grammar it ships was validated by the tests).
 */
export const skipGrammarValidations = process.env.GW_COMPILED === '1';
