// Lists the public API's undocumented names: every export of the package entries (Node
// and browser), and every member of the interfaces, type literals and classes they
// export, must have a doc comment (what TypeDoc's validation.notDocumented checks).
// Reads the compiled declarations (dist/ts/*.d.ts) with the TypeScript compiler.
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function undocumented(entries = ['dist/ts/index.d.ts', 'dist/ts/browser.d.ts']) {
  const files = entries.map((e) => `${ROOT}${e}`);
  const program = ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  const missing = new Set();
  const seen = new Set();
  const documented = (symbol) => symbol.getDocumentationComment(checker).length > 0 || ts.getJSDocTags?.(symbol.declarations?.[0] ?? {})?.length > 0;
  const where = (symbol) => {
    const d = symbol.declarations?.[0];
    return d ? `${d.getSourceFile().fileName.replace(ROOT, '')}` : '?';
  };
  const visitMembers = (owner, symbol) => {
    const decl = symbol.declarations?.[0];
    if (!decl) return;
    const members = [];
    if (ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl)) members.push(...decl.members);
    if (ts.isTypeAliasDeclaration(decl) && ts.isTypeLiteralNode(decl.type)) members.push(...decl.type.members);
    for (const m of members) {
      if (!m.name || (m.modifiers ?? []).some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) continue;
      if (ts.isConstructorDeclaration(m)) continue;
      const ms = checker.getSymbolAtLocation(m.name);
      if (ms && ms.getDocumentationComment(checker).length === 0) missing.add(`${owner}.${m.name.getText()} (${where(symbol)})`);
    }
  };
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file));
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const key = `${exported.name}@${where(symbol)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!documented(symbol)) missing.add(`${exported.name} (${where(symbol)})`);
      visitMembers(exported.name, symbol);
    }
  }
  return [...missing].sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const list = undocumented();
  console.log(list.join('\n'));
  console.log(`${list.length} undocumented`);
}
