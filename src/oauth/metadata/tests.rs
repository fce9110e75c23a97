use super::*;

const ORIGIN: &str = "https://keys.example.com";

#[test]
fn authorization_server_metadata_names_every_endpoint_under_the_issuer() {
    let metadata = authorization_server_metadata(ORIGIN);
    assert_eq!(metadata["issuer"], ORIGIN);
    assert_eq!(
        metadata["authorization_endpoint"],
        "https://keys.example.com/oauth/authorize"
    );
    assert_eq!(
        metadata["token_endpoint"],
        "https://keys.example.com/oauth/token"
    );
    assert_eq!(
        metadata["registration_endpoint"],
        "https://keys.example.com/oauth/register"
    );
    assert_eq!(
        metadata["revocation_endpoint"],
        "https://keys.example.com/oauth/revoke"
    );
}

#[test]
fn authorization_server_metadata_offers_only_the_code_flow_with_s256() {
    let metadata = authorization_server_metadata(ORIGIN);
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    assert_eq!(metadata["response_modes_supported"], json!(["query"]));
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["authorization_code"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(metadata["scopes_supported"], json!(["mcp"]));
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        true
    );
}

#[test]
fn public_and_secret_clients_are_both_advertised() {
    let metadata = authorization_server_metadata(ORIGIN);
    let methods = json!(["none", "client_secret_post", "client_secret_basic"]);
    assert_eq!(metadata["token_endpoint_auth_methods_supported"], methods);
    assert_eq!(
        metadata["revocation_endpoint_auth_methods_supported"],
        methods
    );
}

#[test]
fn protected_resource_metadata_points_at_this_origin() {
    let metadata = protected_resource_metadata(ORIGIN, &mcp_resource(ORIGIN));
    assert_eq!(metadata["resource"], "https://keys.example.com/mcp");
    assert_eq!(metadata["authorization_servers"], json!([ORIGIN]));
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));
    assert_eq!(metadata["scopes_supported"], json!(["mcp"]));
    assert_eq!(metadata["resource_name"], "Hadron MCP");
}

#[test]
fn the_resource_server_and_the_authorization_server_agree_on_the_issuer() {
    let resource = protected_resource_metadata(ORIGIN, &mcp_resource(ORIGIN));
    let server = authorization_server_metadata(ORIGIN);
    assert_eq!(resource["authorization_servers"][0], server["issuer"]);
}

#[test]
fn local_development_origins_work_too() {
    let origin = "http://localhost:8787";
    let metadata = protected_resource_metadata(origin, &mcp_resource(origin));
    assert_eq!(metadata["resource"], "http://localhost:8787/mcp");
}

#[test]
fn the_path_less_document_names_the_origin_as_its_resource() {
    let metadata = protected_resource_metadata(ORIGIN, ORIGIN);
    assert_eq!(metadata["resource"], ORIGIN);
    assert_eq!(metadata["authorization_servers"], json!([ORIGIN]));
}

#[test]
fn metadata_documents_are_advertised() {
    let metadata = authorization_server_metadata(ORIGIN);
    assert_eq!(metadata["client_id_metadata_document_supported"], true);
}
