//! Enumerations with a stable English code (stored and sent over the API) and a
//! Chinese label (shown to people, accepted on import).

/// A stored code no variant of `kind` carries (kept short: at most 40 characters of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub kind: &'static str,
    pub value: String,
}

impl UnknownCode {
    pub fn new(kind: &'static str, value: &str) -> Self {
        UnknownCode { kind, value: value.chars().take(40).collect() }
    }
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "未知的{}取值“{}”", self.kind, self.value)
    }
}

impl std::error::Error for UnknownCode {}

/// Declares an enum whose variants each carry a code and a Chinese label.
#[macro_export]
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable machine code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            /// The Chinese label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
            pub fn from_label(label: &str) -> Option<Self> {
                match label { $($label => Some($name::$variant),)+ _ => None }
            }
            /// Accepts either the code or the label.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::from_code(s).or_else(|| Self::from_label(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                    serde::de::Error::custom(format!("未知的取值“{}”，可选：{}", s, codes.join("、")))
                })
            }
        }

        /// Decoding a stored code: an unknown one is an error, never a default.
        impl TryFrom<String> for $name {
            type Error = $crate::kernel::UnknownCode;
            fn try_from(code: String) -> Result<Self, $crate::kernel::UnknownCode> {
                Self::from_code(&code).ok_or_else(|| $crate::kernel::UnknownCode::new(stringify!($name), &code))
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let labels: Vec<String> = Self::ALL.iter().map(|v| format!("{}={}", v.code(), v.label())).collect();
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::ALL.iter().map(|v| v.code())))
                    .description(Some(format!("编码（中文名称亦可）：{}", labels.join("，"))))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
