//! Maildir storage: layout, uid list, keywords, sync, delivery.
