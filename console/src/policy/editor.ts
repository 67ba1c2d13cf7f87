// The routes.gw editor: CodeMirror 6 with the routes.gw mode, the compiler's diagnostics as lint (checked by the
// gateway as you type, debounced by the linter), and a highlighted target line for /console/policy#L<n>.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, linter } from '@codemirror/lint';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { Decoration, drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { toLint, type GwDiagnostic } from './diagnostics.ts';
import { routesGw } from './routes-gw-language.ts';

export type { GwDiagnostic } from './diagnostics.ts';

export interface EditorHooks {
  /** compiles the text on the gateway; its diagnostics */
  check(text: string): Promise<GwDiagnostic[]>;
  /** every new set of diagnostics (for the list under the editor) */
  onDiagnostics(d: GwDiagnostic[]): void;
  onChange(text: string): void;
}

const setTarget = StateEffect.define<number | null>();
const targetLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) {
      if (!e.is(setTarget)) continue;
      if (e.value === null || e.value < 1 || e.value > tr.state.doc.lines) return Decoration.none;
      return Decoration.set([Decoration.line({ class: 'cm-gw-target' }).range(tr.state.doc.line(e.value).from)]);
    }
    return tr.docChanged ? deco.map(tr.changes) : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function createEditor(parent: HTMLElement, text: string, hooks: EditorHooks): EditorView {
  const lint = linter(
    async (view) => {
      const doc = view.state.doc;
      let diags: GwDiagnostic[];
      try {
        diags = await hooks.check(doc.toString());
      } catch {
        return [];
      }
      if (view.state.doc === doc) hooks.onDiagnostics(diags);
      return diags.map((d) => toLint(doc, d));
    },
    { delay: 350 },
  );
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        routesGw,
        EditorView.lineWrapping,
        lintGutter(),
        lint,
        targetLine,
        keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) hooks.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
}

/** Highlight line n and scroll it into the middle of the editor (null: no highlight). */
export function showLine(view: EditorView, n: number | null): void {
  const effects: StateEffect<unknown>[] = [setTarget.of(n)];
  if (n !== null && n >= 1 && n <= view.state.doc.lines) {
    const pos = view.state.doc.line(n).from;
    effects.push(EditorView.scrollIntoView(pos, { y: 'center' }));
    view.dispatch({ effects, selection: { anchor: pos } });
  } else view.dispatch({ effects });
}

export function replaceText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}
