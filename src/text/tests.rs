use super::*;

#[test]
fn ordinary_names_in_any_script_are_visible() {
    for text in [
        "Claude",
        "MacBook — local-dev script",
        "Production deploy job",
        "VS Code (Insiders)",
        "Ünïcødé ñame",
        "日本語のラベル",
        "مفتاح الإنتاج",
        "קוד",
        "<b>not html</b>",
    ] {
        assert_eq!(check_visible(text), Ok(()), "{text:?}");
    }
}

#[test]
fn bidi_overrides_and_isolates_are_refused() {
    for text in [
        "Claude\u{202e}",
        "deploy\u{202e}gnp.exe",
        "a\u{202a}b",
        "a\u{202d}b",
        "a\u{2066}b\u{2069}",
        "a\u{2067}b",
        "a\u{2068}b",
        "a\u{200e}b",
        "a\u{200f}b",
        "a\u{061c}b",
    ] {
        assert_eq!(
            check_visible(text),
            Err(TextError::InvisibleCharacter),
            "{text:?}"
        );
    }
}

#[test]
fn zero_width_characters_outside_emoji_are_refused() {
    for text in [
        "Cl\u{200b}aude",
        "Cl\u{200c}aude",
        "Cl\u{200d}aude",
        "\u{feff}Claude",
        "Claude\u{2060}",
        "Cla\u{00ad}ude",
        "Claude\u{e0001}",
        "Claude\u{e0041}",
        "\u{200d}\u{1f4bb}",
        "\u{1f469}\u{200d}",
    ] {
        assert_eq!(
            check_visible(text),
            Err(TextError::InvisibleCharacter),
            "{text:?}"
        );
    }
}

#[test]
fn joiners_inside_emoji_sequences_are_allowed() {
    for text in [
        "laptop \u{1f469}\u{200d}\u{1f4bb}",
        "family \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
        "\u{1f469}\u{1f3fd}\u{200d}\u{1f680} rocket",
        "\u{2764}\u{fe0f}\u{200d}\u{1f525}",
        "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f} Scotland",
    ] {
        assert_eq!(check_visible(text), Ok(()), "{text:?}");
    }
}

#[test]
fn control_characters_are_reported_as_such() {
    assert_eq!(check_visible("a\nb"), Err(TextError::ControlCharacter));
    assert_eq!(check_visible("a\u{7f}b"), Err(TextError::ControlCharacter));
    assert_eq!(check_visible("a\u{85}b"), Err(TextError::ControlCharacter));
}

#[test]
fn stripping_keeps_what_is_visible() {
    assert_eq!(strip_invisible("Cl\u{200b}au\u{202e}de\n"), "Claude");
    assert_eq!(
        strip_invisible("dev \u{1f469}\u{200d}\u{1f4bb}"),
        "dev \u{1f469}\u{200d}\u{1f4bb}"
    );
}
