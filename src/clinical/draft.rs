pub fn draft_note() {}
