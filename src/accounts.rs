//! Account rules: user ids, email addresses and roles. Pure (no `worker` import),
//! unit-tested on the host.

use crate::crypto::random_hex;

const USER_ID_PREFIX: &str = "usr_";

/// A user's id: `usr_` and 32 lowercase hex characters, made once at sign-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserId(String);

impl UserId {
    pub fn generate() -> Self {
        UserId(format!("{USER_ID_PREFIX}{}", random_hex::<16>()))
    }

    /// An id as D1 holds it. Only [`UserId::generate`] writes ids there, so it is taken as
    /// it is: the store hands out domain types, and nothing parses what it returned again.
    pub fn from_stored(id: String) -> Self {
        UserId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as an account name: trimmed, lowercased (so uniqueness is
/// case-insensitive), with one `@`, a dotted domain, and nothing invisible in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Option<Self> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email.split_once('@')?;
        let well_formed = email.chars().count() <= 254
            && !local.is_empty()
            && local.chars().count() <= 64
            && !domain.contains('@')
            && domain.split('.').count() >= 2
            && domain.split('.').all(|label| !label.is_empty())
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        well_formed.then_some(Email(email))
    }

    /// An address as D1 holds it: it went through [`Email::parse`] on its way in.
    pub fn from_stored(email: String) -> Self {
        Email(email)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Permissions live on the user, never on a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Member,
    OrgAdmin,
}

impl Role {
    pub fn parse(column: &str) -> Option<Self> {
        match column {
            "member" => Some(Role::Member),
            "org_admin" => Some(Role::OrgAdmin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::OrgAdmin => "org_admin",
        }
    }
}

/// A portal user as the API and the MCP tools show it.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub role: Role,
}

impl User {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.as_str(),
            "email": self.email.as_str(),
            "role": self.role.as_str(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@example..com",
            "ada@.example.com",
            "ada@@example.com",
            "a da@example.com",
            "ada@exa\u{0}mple.com",
        ] {
            assert!(Email::parse(bad).is_none(), "accepted {bad:?}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&long_local).is_none());
    }

    #[test]
    fn roles_round_trip_through_their_column_values() {
        for role in [Role::Member, Role::OrgAdmin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
