package insurance_test

import rego.v1

import data.insurance

req(path, sub) := {
	"request": {"method": "GET", "path": path, "headers": {}},
	"token": {"active": true, "sub": sub, "scope": [], "claims": {"sub": sub}},
	"route": {"id": "insurance", "upstream": "car"},
}

test_car_customer_reaches_car_api_with_user_in_path if {
	d := insurance.decision with input as req("/car/insurance", "alice")
	d.allow
	d.upstream.name == "car"
	d.upstream.path == "/car/alice/get_my_insurance"
	d.upstream.credentials == "car-basic"
}

test_home_customer_reaches_home_api_with_user_header if {
	d := insurance.decision with input as req("/home/insurance", "bob")
	d.allow
	d.upstream.name == "home"
	d.upstream.headers["x-user-id"] == "bob"
}

test_user_without_car_product_is_denied if {
	d := insurance.decision with input as req("/car/insurance", "bob")
	not d.allow
	d.status == 403
}

test_products_claim_in_token_is_honoured if {
	r := object.union(req("/car/insurance", "carol"), {"token": {"claims": {"sub": "carol", "products": ["car"]}}})
	d := insurance.decision with input as r
	d.allow
}

test_unknown_path_is_denied if {
	d := insurance.decision with input as req("/car/other", "alice")
	not d.allow
}
