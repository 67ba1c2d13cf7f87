import { CstParser, tokenMatcher, type CstNode, type IToken, type TokenType } from 'chevrotain';
import * as T from './lexer.ts';
import { syntaxMessages } from './syntax-messages.ts';
import { skipGrammarValidations } from './grammar-checks.ts';

/**
 * The routes.gw grammar as a chevrotain CstParser. Statements end at a newline; several may share a line where the
 * grammar makes the boundary unambiguous (one-line `model … { context 8k  price 1 / 2 }` blocks).
 */
export class GwParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: syntaxMessages, skipValidations: skipGrammarValidations });
    this.performSelfAnalysis();
  }

  /** An identifier that is not the start of the next statement: ends open lists in one-line blocks. */
  private listItem = (): boolean => !tokenMatcher(this.LA(1), T.StatementStart);
  /** A plain identifier, not a keyword (time zones like UTC). */
  private plainIdentifier = (): boolean => this.LA(1).tokenType === T.Identifier || this.LA(1).tokenType === T.ModelRef;

  public policy = this.RULE('policy', () => {
    this.MANY(() => this.OR([{ ALT: () => this.CONSUME(T.Newline) }, { ALT: () => this.SUBRULE(this.declaration) }]));
  });

  public declaration = this.RULE('declaration', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.gatewayDecl) },
      { ALT: () => this.SUBRULE(this.providerDecl) },
      { ALT: () => this.SUBRULE(this.modelDecl) },
      { ALT: () => this.SUBRULE(this.scenarioDecl) },
      { ALT: () => this.SUBRULE(this.piiDecl) },
      { ALT: () => this.SUBRULE(this.retryDecl) },
      { ALT: () => this.SUBRULE(this.fallbackDecl) },
      { ALT: () => this.SUBRULE(this.budgetDecl) },
      { ALT: () => this.SUBRULE(this.alertDecl) },
      { ALT: () => this.SUBRULE(this.clientDecl) },
    ]);
  });

  private block(statement: () => void): void {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.OR([{ ALT: () => this.CONSUME(T.Newline) }, { ALT: statement }]));
    this.CONSUME(T.RBrace);
  }

  // ---- values ----------------------------------------------------------------------------------------------------
  public value = this.RULE('value', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Env);
          this.CONSUME(T.Identifier);
          this.OPTION(() => {
            this.CONSUME(T.Or);
            this.SUBRULE(this.value);
          });
        },
      },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.NumberLit) },
    ]);
  });

  public modelList = this.RULE('modelList', () => {
    this.CONSUME(T.ModelRef);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.ModelRef);
    });
  });

  public chain = this.RULE('chain', () => {
    this.CONSUME(T.ModelRef);
    this.MANY(() => {
      this.CONSUME(T.Arrow);
      this.CONSUME2(T.ModelRef);
    });
  });

  private nameList(): void {
    this.AT_LEAST_ONE({ GATE: this.listItem, DEF: () => this.CONSUME(T.Identifier) });
  }

  // ---- gateway -----------------------------------------------------------------------------------------------------
  public gatewayDecl = this.RULE('gatewayDecl', () => {
    this.CONSUME(T.Gateway);
    this.block(() => this.SUBRULE(this.gatewayStatement));
  });

  public gatewayStatement = this.RULE('gatewayStatement', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Listen); this.SUBRULE(this.value); } },
      { ALT: () => { this.CONSUME(T.Auth); this.SUBRULE2(this.value); } },
      { ALT: () => { this.CONSUME(T.State); this.SUBRULE3(this.value); } },
      { ALT: () => { this.CONSUME(T.BodyLimit); this.CONSUME(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.Logs); this.SUBRULE(this.logsSetting); } },
      { ALT: () => { this.CONSUME(T.Cors); this.SUBRULE(this.corsSetting); } },
      { ALT: () => { this.CONSUME(T.ClampMaxTokens); this.CONSUME(T.Identifier); } },
      { ALT: () => this.SUBRULE(this.stickySetting) },
      { ALT: () => { this.CONSUME(T.Sync); this.CONSUME(T.Every); this.CONSUME2(T.NumberLit); } },
    ]);
  });

  /** `sticky 30m`, `sticky off` (or `on`: the default duration), in the gateway block or a scenario */
  public stickySetting = this.RULE('stickySetting', () => {
    this.CONSUME(T.Sticky);
    this.OR([{ ALT: () => this.CONSUME(T.NumberLit) }, { ALT: () => this.CONSUME(T.Identifier) }]);
  });

  /** `logs off`, `logs on`, `logs keep 30d`, `logs keep 100k rows` */
  public logsSetting = this.RULE('logsSetting', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Keep);
          this.CONSUME(T.NumberLit);
          this.OPTION({ GATE: this.listItem, DEF: () => this.CONSUME(T.Identifier) });
        },
      },
      { ALT: () => this.CONSUME2(T.Identifier) },
    ]);
  });

  /** `cors any`, `cors "https://app.example" "http://localhost:5173"` */
  public corsSetting = this.RULE('corsSetting', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Any) }, { ALT: () => this.AT_LEAST_ONE(() => this.CONSUME(T.StringLit)) }]);
  });

  // ---- provider ----------------------------------------------------------------------------------------------------
  public providerDecl = this.RULE('providerDecl', () => {
    this.CONSUME(T.Provider);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.block(() => this.SUBRULE(this.providerStatement)));
  });

  public providerStatement = this.RULE('providerStatement', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Protocol); this.CONSUME(T.Identifier); } },
      { ALT: () => { this.CONSUME(T.BaseUrl); this.SUBRULE(this.value); } },
      { ALT: () => { this.CONSUME(T.Key); this.SUBRULE2(this.value); } },
      { ALT: () => this.CONSUME(T.Local) },
      { ALT: () => { this.CONSUME(T.Timeout); this.CONSUME(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.IdleTimeout); this.CONSUME2(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.Deadline); this.CONSUME3(T.NumberLit); } },
      {
        ALT: () => {
          this.CONSUME(T.Header);
          this.OR2([{ ALT: () => this.CONSUME(T.StringLit) }, { ALT: () => this.CONSUME2(T.Identifier) }]);
          this.SUBRULE3(this.value);
        },
      },
    ]);
  });

  // ---- model -------------------------------------------------------------------------------------------------------
  public modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.ModelRef);
    this.OPTION(() => this.block(() => this.SUBRULE(this.modelStatement)));
  });

  public modelStatement = this.RULE('modelStatement', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Context); this.CONSUME(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.MaxOutput); this.CONSUME6(T.NumberLit); } },
      {
        ALT: () => {
          this.CONSUME(T.Price);
          this.CONSUME2(T.NumberLit);
          this.CONSUME(T.Slash);
          this.CONSUME3(T.NumberLit);
          // `price 3 / 15 cache 0.3 / 3.75`: prompt-cache reads / writes
          this.OPTION(() => {
            this.CONSUME(T.Cache);
            this.CONSUME7(T.NumberLit);
            this.CONSUME2(T.Slash);
            this.CONSUME8(T.NumberLit);
          });
        },
      },
      { ALT: () => { this.CONSUME(T.Can); this.nameList(); } },
      { ALT: () => { this.CONSUME(T.Speed); this.CONSUME4(T.NumberLit); } },
      { ALT: () => this.SUBRULE(this.freeQuota) },
      { ALT: () => { this.CONSUME(T.Limit); this.CONSUME5(T.NumberLit); this.CONSUME2(T.Identifier); } },
    ]);
  });

  public freeQuota = this.RULE('freeQuota', () => {
    this.CONSUME(T.Free);
    this.CONSUME(T.NumberLit);
    this.CONSUME(T.Tokens);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Every);
          this.CONSUME(T.Identifier);
          this.OPTION(() => {
            this.CONSUME(T.At);
            this.CONSUME(T.TimeLit);
            this.OPTION2({
              GATE: this.plainIdentifier,
              DEF: () => this.OR2([{ ALT: () => this.CONSUME(T.ModelRef) }, { ALT: () => this.CONSUME2(T.Identifier) }]),
            });
          });
          this.OPTION3(() => { this.CONSUME(T.Until); this.CONSUME(T.DateLit); });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Once);
          this.OPTION4(() => { this.CONSUME2(T.Until); this.CONSUME2(T.DateLit); });
        },
      },
    ]);
  });

  // ---- scenario ----------------------------------------------------------------------------------------------------
  public scenarioDecl = this.RULE('scenarioDecl', () => {
    this.CONSUME(T.Scenario);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.condition);
    });
    this.block(() => this.SUBRULE(this.scenarioStatement));
  });

  public scenarioStatement = this.RULE('scenarioStatement', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Paid); this.SUBRULE(this.modelList); } },
      {
        ALT: () => {
          this.CONSUME(T.Free);
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Any);
                // `free any listed`: also the free models the providers list at sync (gw models sync)
                this.OPTION2(() => this.CONSUME(T.Listed));
              },
            },
            { ALT: () => this.SUBRULE2(this.modelList) },
          ]);
        },
      },
      { ALT: () => { this.CONSUME(T.Willingness); this.CONSUME(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.Rank); this.CONSUME(T.Identifier); } },
      { ALT: () => { this.CONSUME(T.Fallback); this.SUBRULE(this.chain); } },
      { ALT: () => this.SUBRULE2(this.stickySetting) },
    ]);
  });

  public condition = this.RULE('condition', () => {
    this.SUBRULE(this.andCondition);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andCondition);
    });
  });

  public andCondition = this.RULE('andCondition', () => {
    this.SUBRULE(this.unaryCondition);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.unaryCondition);
    });
  });

  public unaryCondition = this.RULE('unaryCondition', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Not); this.SUBRULE(this.unaryCondition); } },
      { ALT: () => this.SUBRULE(this.primaryCondition) },
    ]);
  });

  public primaryCondition = this.RULE('primaryCondition', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.LParen); this.SUBRULE(this.condition); this.CONSUME(T.RParen); } },
      {
        ALT: () => {
          this.CONSUME(T.Tokens);
          this.OR2([
            { ALT: () => this.CONSUME(T.Gt) },
            { ALT: () => this.CONSUME(T.GtEq) },
            { ALT: () => this.CONSUME(T.Lt) },
            { ALT: () => this.CONSUME(T.LtEq) },
          ]);
          this.CONSUME(T.NumberLit);
        },
      },
      { ALT: () => { this.CONSUME(T.Text); this.CONSUME(T.Tilde); this.CONSUME(T.Regex); } },
      { ALT: () => { this.CONSUME(T.Model); this.CONSUME2(T.Tilde); this.CONSUME2(T.Regex); } },
      { ALT: () => { this.CONSUME(T.Has); this.CONSUME(T.Identifier); } },
      {
        ALT: () => {
          this.CONSUME(T.Header);
          this.OR3([{ ALT: () => this.CONSUME(T.StringLit) }, { ALT: () => this.CONSUME2(T.Identifier) }]);
          this.OR4([
            { ALT: () => { this.CONSUME(T.Equals); this.CONSUME2(T.StringLit); } },
            { ALT: () => { this.CONSUME3(T.Tilde); this.CONSUME3(T.Regex); } },
          ]);
        },
      },
    ]);
  });

  // ---- pii ---------------------------------------------------------------------------------------------------------
  public piiDecl = this.RULE('piiDecl', () => {
    this.CONSUME(T.Pii);
    this.block(() => this.SUBRULE(this.piiStatement));
  });

  public piiStatement = this.RULE('piiStatement', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Detect); this.nameList(); } },
      {
        ALT: () => {
          this.CONSUME(T.Classify);
          this.CONSUME(T.With);
          this.CONSUME(T.ModelRef);
          this.OPTION(() => { this.CONSUME(T.Timeout); this.CONSUME(T.NumberLit); });
        },
      },
      { ALT: () => { this.CONSUME(T.Route); this.CONSUME2(T.ModelRef); } },
      { ALT: () => this.CONSUME(T.Redact) },
      { ALT: () => this.CONSUME(T.Block) },
      { ALT: () => { this.CONSUME(T.OnError); this.CONSUME2(T.Identifier); } },
    ]);
  });

  // ---- retry -------------------------------------------------------------------------------------------------------
  public retryDecl = this.RULE('retryDecl', () => {
    this.CONSUME(T.Retry);
    this.block(() => this.SUBRULE(this.retryStatement));
  });

  public retryStatement = this.RULE('retryStatement', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Attempts); this.CONSUME(T.NumberLit); } },
      {
        ALT: () => {
          this.CONSUME(T.Backoff);
          this.CONSUME2(T.NumberLit);
          this.OPTION(() => this.CONSUME(T.Doubling));
          this.OPTION2(() => { this.CONSUME(T.Up); this.CONSUME(T.To); this.CONSUME3(T.NumberLit); });
        },
      },
      { ALT: () => { this.CONSUME(T.On); this.nameList(); } },
      {
        ALT: () => {
          this.CONSUME(T.Cooldown);
          this.CONSUME4(T.NumberLit);
          this.OPTION3(() => { this.CONSUME(T.After); this.CONSUME5(T.NumberLit); this.CONSUME(T.Failures); });
        },
      },
    ]);
  });

  // ---- client ------------------------------------------------------------------------------------------------------
  public clientDecl = this.RULE('clientDecl', () => {
    this.CONSUME(T.Client);
    this.CONSUME(T.Identifier);
    this.block(() => this.SUBRULE(this.clientStatement));
  });

  public clientStatement = this.RULE('clientStatement', () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Key); this.SUBRULE(this.value); } },
      { ALT: () => { this.CONSUME(T.Limit); this.CONSUME(T.NumberLit); this.CONSUME(T.Identifier); } },
      {
        ALT: () => {
          this.CONSUME(T.Budget);
          this.CONSUME2(T.NumberLit);
          this.CONSUME(T.Per);
          this.CONSUME2(T.Identifier);
          this.CONSUME(T.Then);
          this.CONSUME3(T.Identifier);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Allow);
          this.OR2([{ ALT: () => this.CONSUME(T.Scenario) }, { ALT: () => this.CONSUME(T.Model) }]);
          this.SUBRULE(this.allowItem);
          this.MANY(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.allowItem);
          });
        },
      },
      { ALT: () => { this.CONSUME(T.Expires); this.CONSUME(T.DateLit); } },
    ]);
  });

  public allowItem = this.RULE('allowItem', () => {
    this.OR([{ ALT: () => this.CONSUME(T.ModelRef) }, { ALT: () => this.CONSUME(T.Identifier) }]);
  });

  // ---- one-line declarations ---------------------------------------------------------------------------------------
  public fallbackDecl = this.RULE('fallbackDecl', () => {
    this.CONSUME(T.Fallback);
    this.SUBRULE(this.chain);
  });

  public budgetDecl = this.RULE('budgetDecl', () => {
    this.CONSUME(T.Budget);
    this.CONSUME(T.NumberLit);
    this.CONSUME(T.Per);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Then);
    this.CONSUME2(T.Identifier);
  });

  public alertDecl = this.RULE('alertDecl', () => {
    this.CONSUME(T.Alert);
    this.SUBRULE(this.alertItem);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.alertItem);
    });
  });

  public alertItem = this.RULE('alertItem', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LowQuota);
          this.CONSUME(T.Below);
          this.CONSUME(T.NumberLit);
          this.OPTION(() => this.CONSUME(T.Tokens));
        },
      },
      { ALT: () => { this.CONSUME(T.Expiring); this.CONSUME(T.Within); this.CONSUME2(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.Webhook); this.SUBRULE(this.value); } },
    ]);
  });
}

/** One parser instance is reused: chevrotain parsers are built once (self-analysis is costly) and reset per input. */
let shared: GwParser | null = null;
export function getParser(): GwParser {
  shared ??= new GwParser();
  return shared;
}

export interface ParseResult {
  cst: CstNode;
  errors: { token: IToken; message: string; ruleStack: string[]; previous?: IToken }[];
}

export function parseTokens(tokens: IToken[]): ParseResult {
  const p = getParser();
  p.input = tokens;
  const cst = p.policy();
  return {
    cst,
    errors: p.errors.map((e) => ({
      token: e.token,
      message: e.message,
      ruleStack: e.context?.ruleStack ?? [],
      previous: (e as { previousToken?: IToken }).previousToken,
    })),
  };
}

export type { TokenType };
