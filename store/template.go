package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/nudgecrm/nudge"
)

// templateName is the shape of a template's name: the built-ins'
// ("c1-reminder", "e4-higher") and any a cadence step may name.
var templateName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// maxTemplateSource bounds a stored template; the longest built-in is a few
// kilobytes.
const maxTemplateSource = 64 << 10

// SaveTemplate stores the user's own source of the template called name,
// replacing an earlier one; it is used instead of the built-in of that name
// (mail.Lookup). parse is the template language's parser (package mail,
// which imports this package, passes a wrapper of mail.Parse): what it
// refuses is not stored, so a stored override always parses. EINVALID
// naming the field "name" or "source".
func (db *DB) SaveTemplate(ctx context.Context, name, source string, parse func(name, source string) error) error {
	if !templateName.MatchString(name) {
		return nudge.FieldError("name", "%q is not a template name (lower-case letters, digits and hyphens)", name)
	}
	if strings.TrimSpace(source) == "" {
		return nudge.FieldError("source", "template %s: the source is empty (reset it to go back to the built-in)", name)
	}
	if len(source) > maxTemplateSource {
		return nudge.FieldError("source", "template %s: the source is %d bytes, more than %d", name, len(source), maxTemplateSource)
	}
	if parse == nil {
		return fmt.Errorf("store template %s: no parser to check it with", name)
	}
	if err := parse(name, source); err != nil {
		return err
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO templates (name, source, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`,
		name, source, ms(db.now()))
	if err != nil {
		return fmt.Errorf("store template %s: %w", name, err)
	}
	return nil
}

// DeleteTemplate removes the user's source of a template, so the built-in
// is used again. ENOTFOUND when there is none.
func (db *DB) DeleteTemplate(ctx context.Context, name string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM templates WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete template %s: %w", name, err)
	}
	return checkAffected(res, "template %s has no override: it is the built-in already", name)
}

// FindTemplates returns the source of every stored template by name (the
// overrides mail.Lookup takes).
func (db *DB) FindTemplates(ctx context.Context) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, source FROM templates ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find templates: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, src string
		if err := rows.Scan(&name, &src); err != nil {
			return nil, fmt.Errorf("find templates: %w", err)
		}
		out[name] = src
	}
	return out, rows.Err()
}
