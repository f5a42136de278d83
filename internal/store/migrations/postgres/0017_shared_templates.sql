-- An integration's profile form template and feedback template are shared by
-- all its orders: their journal entries belong to the connection alone, so
-- that purging the candidate whose order first made them leaves them whole.
-- Entries a purge emptied are sent again (the send finds the template by its
-- name first), and the result writes refused for want of a template id are
-- tried again.
UPDATE effects SET opportunity_id = '', order_id = '' WHERE kind IN ('form_template', 'feedback_template');
UPDATE effects SET status = 'pending' WHERE kind IN ('form_template', 'feedback_template') AND status = 'done' AND result = '';
UPDATE effects SET status = 'pending', last_error = '' WHERE kind IN ('profile_form', 'feedback') AND status = 'failed' AND last_error LIKE '%template id is required%';
