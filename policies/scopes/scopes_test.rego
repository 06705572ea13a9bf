package scopes_test

import rego.v1

import data.scopes

with_scopes(s) := {
	"request": {"method": "GET", "path": "/orders", "headers": {}},
	"token": {"active": true, "sub": "u1", "scope": s, "claims": {}},
	"route": {"id": "orders", "upstream": "orders"},
}

test_scope_present_allows if {
	scopes.decision.allow with input as with_scopes(["orders:read", "profile"])
}

test_scope_missing_is_insufficient_scope if {
	d := scopes.decision with input as with_scopes(["profile"])
	not d.allow
	d.status == 403
	d.insufficient_scope == "orders:read"
}

test_no_token_is_401 if {
	d := scopes.decision with input as object.union(with_scopes([]), {"token": null})
	d.status == 401
}

test_data_overrides_required_scope if {
	d := scopes.decision with input as with_scopes(["admin"]) with data.scopes.required as {"orders": "admin"}
	d.allow
}
