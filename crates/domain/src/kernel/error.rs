//! Validation errors: a stable machine code, the field, and a Chinese message that
//! tells a person what to do.

use serde::Serialize;

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The input field, as named in the API (`id_number`, `name`, …).
    pub field: &'static str,
    /// A stable machine-readable code (`id_number.checksum`, …).
    pub code: &'static str,
    /// A Chinese explanation for people.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self { field, code, message: message.into() }
    }
}

/// An input that failed validation: every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn one(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self { errors: vec![FieldError::new(field, code, message)] }
    }
    pub fn push(&mut self, e: FieldError) {
        self.errors.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    /// `Ok(value)` when nothing was found wrong.
    pub fn into_result<T>(self, value: T) -> Result<T, Invalid> {
        if self.errors.is_empty() { Ok(value) } else { Err(self) }
    }
    pub fn has(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let msgs: Vec<&str> = self.errors.iter().map(|e| e.message.as_str()).collect();
        write!(f, "{}", msgs.join("；"))
    }
}

impl std::error::Error for Invalid {}

/// Checks a free text's length (in characters); `required` also refuses a blank one.
pub fn check_text(inv: &mut Invalid, field: &'static str, label: &str, value: &str, max: usize, required: bool) {
    let len = value.trim().chars().count();
    if required && len == 0 {
        inv.push(FieldError::new(field, "text.required", format!("请填写{label}")));
    } else if len > max {
        inv.push(FieldError::new(field, "text.too_long", format!("{label}不能超过{max}个字")));
    }
}
