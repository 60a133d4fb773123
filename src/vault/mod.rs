//! Everything that touches the disk. For now: reading a folder of template files; the
//! encrypted record store joins it later.

pub mod templates;
