//! A member's photo (党员照片): only a JPEG or PNG, recognised by its first bytes (never
//! by the name or the declared type), with its dimensions read from the header and bounded.

use crate::Invalid;

/// Largest photo file, in bytes.
pub const PHOTO_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest width or height, in pixels.
pub const PHOTO_MAX_SIDE: u32 = 4096;
/// Smallest width or height, in pixels (a face must be recognisable).
pub const PHOTO_MIN_SIDE: u32 = 64;

labelled_enum! {
    /// The image formats accepted.
    pub enum PhotoKind {
        Jpeg = ("image/jpeg", "JPEG"),
        Png = ("image/png", "PNG"),
    }
}

/// What the header of an accepted photo says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoInfo {
    pub kind: PhotoKind,
    pub width: u32,
    pub height: u32,
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    // Signature, then the IHDR chunk: length (4), type (4), width (4), height (4).
    if b.len() < 24 || &b[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    Some((w, h))
}

fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    // Walk the segments after SOI to the first start-of-frame (SOF0–SOF15 but DHT, JPG, DAC).
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if len < 2 {
            return None;
        }
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            if i + 9 > b.len() {
                return None;
            }
            let h = u32::from(u16::from_be_bytes([b[i + 5], b[i + 6]]));
            let w = u32::from(u16::from_be_bytes([b[i + 7], b[i + 8]]));
            return Some((w, h));
        }
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// Checks an uploaded photo: its size, its kind by magic bytes, its dimensions.
pub fn check_photo(bytes: &[u8]) -> Result<PhotoInfo, Invalid> {
    if bytes.len() > PHOTO_MAX_BYTES {
        return Err(Invalid::one(
            "file",
            "photo.too_large",
            format!("照片不能超过 {} MB，请压缩后再上传", PHOTO_MAX_BYTES / 1024 / 1024),
        ));
    }
    let (kind, size) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (PhotoKind::Png, png_size(bytes))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (PhotoKind::Jpeg, jpeg_size(bytes))
    } else {
        return Err(Invalid::one("file", "photo.type", "照片应为 JPEG 或 PNG 图片，请重新选择"));
    };
    let Some((width, height)) = size else {
        return Err(Invalid::one("file", "photo.broken", "无法读取照片的尺寸，文件可能已损坏，请重新选择"));
    };
    if width > PHOTO_MAX_SIDE || height > PHOTO_MAX_SIDE || width < PHOTO_MIN_SIDE || height < PHOTO_MIN_SIDE {
        return Err(Invalid::one(
            "file",
            "photo.dimensions",
            format!(
                "照片的宽和高应在 {PHOTO_MIN_SIDE}–{PHOTO_MAX_SIDE} 像素之间（这张是 {width}×{height}），请裁剪或缩放后再上传"
            ),
        ));
    }
    Ok(PhotoInfo { kind, width, height })
}

/// The header of a PNG of the given size (tests and demo data use it).
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        b.extend_from_slice(&height.to_be_bytes());
        b.extend_from_slice(&width.to_be_bytes());
        b.extend_from_slice(&[0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn a_png_is_recognised_by_its_signature_with_its_size() {
        let info = check_photo(&png_header(300, 400)).unwrap();
        assert_eq!((info.kind, info.width, info.height), (PhotoKind::Png, 300, 400));
    }

    #[test]
    fn a_jpeg_is_recognised_by_its_signature_with_its_size_from_the_frame_header() {
        let info = check_photo(&jpeg(295, 413)).unwrap();
        assert_eq!((info.kind, info.width, info.height), (PhotoKind::Jpeg, 295, 413));
    }

    #[test]
    fn another_type_is_refused_whatever_its_name() {
        assert!(check_photo(b"GIF89a\x01\x00\x01\x00").unwrap_err().has("photo.type"));
        assert!(check_photo(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap_err().has("photo.type"));
    }

    #[test]
    fn a_truncated_header_is_refused() {
        assert!(check_photo(&png_header(300, 400)[..20]).unwrap_err().has("photo.broken"));
        assert!(check_photo(&[0xFF, 0xD8, 0xFF]).unwrap_err().has("photo.broken"));
    }

    #[test]
    fn a_photo_over_the_side_limits_is_refused() {
        assert!(check_photo(&png_header(PHOTO_MAX_SIDE + 1, 400)).unwrap_err().has("photo.dimensions"));
        assert!(check_photo(&png_header(PHOTO_MAX_SIDE, PHOTO_MAX_SIDE)).is_ok());
        assert!(check_photo(&png_header(PHOTO_MIN_SIDE - 1, 400)).unwrap_err().has("photo.dimensions"));
    }

    #[test]
    fn a_photo_over_the_size_limit_is_refused() {
        let mut b = png_header(300, 400);
        b.resize(PHOTO_MAX_BYTES + 1, 0);
        assert!(check_photo(&b).unwrap_err().has("photo.too_large"));
    }
}
