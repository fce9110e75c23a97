use super::*;

/// The portal's page as the build writes it (the source is what the build copies in).
const PAGE: &str = include_str!("../../../portal/pages/oauth/error.html");

#[test]
fn html_special_characters_are_escaped() {
    assert_eq!(
        escape_html(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn the_portal_page_carries_every_marker() {
    for marker in [MESSAGE, RETURN_START, RETURN_END, RETURN_URL, DESTINATION] {
        assert!(PAGE.contains(marker), "{marker}");
    }
}

#[test]
fn without_a_way_back_the_return_block_is_dropped() {
    let page = fill(PAGE, "No client is registered under this client_id.", None).unwrap();
    assert!(page.contains("No client is registered under this client_id."));
    assert!(!page.contains("Return to"));
    assert!(!page.contains("oauth-error:"));
}

#[test]
fn a_way_back_names_its_destination_and_every_value_is_escaped() {
    let page = fill(
        PAGE,
        "<script>alert(1)</script>",
        Some(("https://app.example/cb?error=x&state=\"y\"", "app.example")),
    )
    .unwrap();
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("href=\"https://app.example/cb?error=x&amp;state=&quot;y&quot;\""));
    assert!(page.contains("Return to app.example"));
    assert!(!page.contains("oauth-error:"));
}

#[test]
fn a_page_without_its_markers_is_not_filled() {
    assert_eq!(fill("<p>nothing here</p>", "x", None), None);
    let plain = plain("<b>no</b>", Some(("https://app.example/cb", "app.example")));
    assert!(plain.contains("&lt;b&gt;no&lt;/b&gt;") && plain.contains("Return to app.example"));
}
