//! FETCH item rendering: ENVELOPE, BODYSTRUCTURE, sections.
