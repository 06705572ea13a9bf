/**
 * The generated policy the bundle benches compile: `rules` bodies of one rule, as a generated
 * route table would be (one path and method each), plus the entrypoint's default and one body
 * that matches `/echo/ok`.
 *
 * @example generatedPolicy(3); // 'package gen\nimport rego.v1\ndefault decision := false\n…'
 */
export function generatedPolicy(rules: number): string {
  const lines = ['package gen', 'import rego.v1', 'default decision := false', 'decision if input.request.path == "/echo/ok"'];
  for (let i = 0; i < rules; i++) lines.push(`decision if { input.request.path == "/echo/p${i}"; input.request.method == "GET" }`);
  return lines.join('\n') + '\n';
}
