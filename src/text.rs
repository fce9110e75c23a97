//! Rules for short texts that people read and trust: key labels and OAuth client names.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! Besides control characters, these may not hold *invisible format characters*: bidi
//! overrides and isolates turn `deploy\u{202e}gnp.exe` into "deploy" + "exe.png" on screen,
//! and zero-width characters make two different names look the same ("Claude" and
//! "Cl\u{200b}aude"). A zero-width joiner is still allowed where it belongs: inside an emoji
//! sequence such as 👩‍💻.

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    ControlCharacter,
    InvisibleCharacter,
}

/// Refuses control characters and invisible format characters (see the module docs).
pub fn check_visible(text: &str) -> Result<(), TextError> {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).try_for_each(|index| check_char_at(&chars, index))
}

/// The text without the characters [`check_visible`] refuses, for showing a value that
/// was stored before these rules existed.
pub fn strip_invisible(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .filter(|index| check_char_at(&chars, *index).is_ok())
        .map(|index| chars[index])
        .collect()
}

fn check_char_at(chars: &[char], index: usize) -> Result<(), TextError> {
    let c = chars[index];
    if c.is_control() {
        return Err(TextError::ControlCharacter);
    }
    let allowed = match c {
        ZERO_WIDTH_JOINER => joins_emoji(chars, index),
        // Tag characters spell out subdivision flags after a black flag.
        '\u{e0020}'..='\u{e007f}' => in_flag_tag_sequence(chars, index),
        other => !is_invisible_format(other),
    };
    if allowed {
        Ok(())
    } else {
        Err(TextError::InvisibleCharacter)
    }
}

const ZERO_WIDTH_JOINER: char = '\u{200d}';
const BLACK_FLAG: char = '\u{1f3f4}';

/// Bidi controls, zero-width and other invisible formatting characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00ad}'                // soft hyphen
        | '\u{034f}'              // combining grapheme joiner
        | '\u{061c}'              // Arabic letter mark
        | '\u{115f}' | '\u{1160}' // Hangul fillers
        | '\u{17b4}' | '\u{17b5}' // Khmer inherent vowels
        | '\u{180b}'..='\u{180f}' // Mongolian variation selectors and vowel separator
        | '\u{200b}'..='\u{200f}' // zero-width space, (non-)joiner, LRM, RLM
        | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{206f}' // word joiner, invisible operators, bidi isolates, deprecated formats
        | '\u{3164}'              // Hangul filler
        | '\u{fe00}'..='\u{fe0e}' // variation selectors other than the emoji one
        | '\u{feff}'              // zero-width no-break space
        | '\u{ffa0}'              // halfwidth Hangul filler
        | '\u{fff0}'..='\u{fffb}' // specials and interlinear annotations
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}' // tags and supplementary variation selectors
    )
}

/// An emoji as far as joining goes: the pictographic blocks, plus the person and skin-tone
/// characters that ZWJ sequences are built from.
fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{2300}'..='\u{23ff}'
        | '\u{2600}'..='\u{27bf}'
        | '\u{2b00}'..='\u{2bff}'
        | '\u{1f000}'..='\u{1faff}'
    )
}

/// Emoji presentation selector and skin tones: they belong to the emoji before them.
fn is_emoji_modifier(c: char) -> bool {
    c == '\u{fe0f}' || ('\u{1f3fb}'..='\u{1f3ff}').contains(&c)
}

/// True when the joiner at `index` sits between two emoji (modifiers aside).
fn joins_emoji(chars: &[char], index: usize) -> bool {
    let before = chars[..index]
        .iter()
        .rev()
        .find(|c| !is_emoji_modifier(**c));
    let after = chars.get(index + 1);
    before.is_some_and(|c| is_emoji(*c)) && after.is_some_and(|c| is_emoji(*c))
}

fn in_flag_tag_sequence(chars: &[char], index: usize) -> bool {
    chars[..index]
        .iter()
        .rev()
        .find(|c| !('\u{e0020}'..='\u{e007f}').contains(*c))
        == Some(&BLACK_FLAG)
}

#[cfg(test)]
mod tests;
