//! Several request headers read in one crossing into JS instead of one `get` each: the
//! values come back as one string, one line per header, in the order asked for.
//! Pure: the Worker's glue does the reading, this splits what it got.
//!
//! Neither LF nor NUL can occur in a header value (Fetch: a header value has no 0x00,
//! 0x0A or 0x0D), so LF separates the values and a lone NUL stands for an absent header.

/// What the reader writes for a header the request does not have.
pub const ABSENT: &str = "\0";

/// The `N` values of `joined`, `None` for an absent header; `None` altogether when
/// `joined` does not hold exactly `N` lines.
pub fn split<const N: usize>(joined: &str) -> Option<[Option<&str>; N]> {
    let mut values = [None; N];
    let mut lines = joined.split('\n');
    for value in &mut values {
        let line = lines.next()?;
        *value = (line != ABSENT).then_some(line);
    }
    lines.next().is_none().then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_one_header_and_a_nul_an_absent_one() {
        assert_eq!(
            split::<4>("Bearer x\n\0\n\napplication/json"),
            Some([Some("Bearer x"), None, Some(""), Some("application/json")])
        );
        assert_eq!(split::<1>("\0"), Some([None]));
        assert_eq!(split::<1>(""), Some([Some("")]));
    }

    #[test]
    fn a_different_number_of_lines_is_refused() {
        assert_eq!(split::<2>("a"), None);
        assert_eq!(split::<2>("a\nb\nc"), None);
    }
}
