
t.test('a rule that reads its own package under a with is still recursive', async (t) => {
  // planned under the mock, the rule would meet itself again under ever new mocks
  t.same(errs('package p\nn := 1\nq := v if {\n\tv := data.p with data.p.z as 2\n}'), ['rego_recursion_error@3: rule data.p.q is recursive: data.p.q -> data.p.q']);
  t.same(errs('package p\nn := 1\nq := v if {\n\tv := data.p.n with data.p.z as 2\n}'), [], 'a sibling rule under the same with is not');
});
