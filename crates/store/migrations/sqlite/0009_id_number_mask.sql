-- A masked 身份证号 keeps only its first and last character (issue 10 §2): the old mask
-- kept the first 6 and last 4, and with the birth date (stored and shown in clear) it
-- rebuilt the whole number. Rewrite every value stored in the old form.
UPDATE members
SET id_number_masked = substr(id_number_masked, 1, 1) || '****************' || substr(id_number_masked, 18, 1)
WHERE length(id_number_masked) = 18 AND substr(id_number_masked, 7, 8) = '********';

UPDATE member_history
SET old_value = substr(old_value, 1, 1) || '****************' || substr(old_value, 18, 1)
WHERE field = 'id_number' AND length(old_value) = 18 AND substr(old_value, 7, 8) = '********';

UPDATE member_history
SET new_value = substr(new_value, 1, 1) || '****************' || substr(new_value, 18, 1)
WHERE field = 'id_number' AND length(new_value) = 18 AND substr(new_value, 7, 8) = '********';
