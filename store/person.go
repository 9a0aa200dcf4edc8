package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// personColumns is the select list scanPerson reads, on the alias p.
const personColumns = `p.id, COALESCE(p.owner_id, 0), COALESCE(p.company_id, 0), p.name, p.email, p.phone, p.title,
	p.time_zone, p.country, p.city, p.lat, p.lon, p.has_coords,
	p.preferred_channel, p.assistant_name, p.ok_to_say_no, p.pain_gain, p.interests,
	p.buying_role, COALESCE(p.reports_to_id, 0), p.status,
	p.do_not_contact, p.do_not_contact_reason, p.do_not_contact_at,
	p.source, p.created_at, p.updated_at`

func scanPerson(s scanner) (*nudge.Person, error) {
	var p nudge.Person
	var dncAt sql.NullInt64
	var created, updated int64
	err := s.Scan(&p.ID, &p.OwnerID, &p.CompanyID, &p.Name, &p.Email, &p.Phone, &p.Title,
		&p.TimeZone, &p.Country, &p.Location.City, &p.Location.Lat, &p.Location.Lon, &p.Location.HasCoords,
		&p.PreferredChannel, &p.AssistantName, &p.OKToSayNo, &p.PainGain, &p.Interests,
		&p.BuyingRole, &p.ReportsToID, &p.Status,
		&p.DoNotContact, &p.DoNotContactReason, &dncAt,
		&p.Source, &created, &updated)
	if err != nil {
		return nil, err
	}
	p.DoNotContactAt = fromMSPtr(dncAt)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

// FindPersonByID returns ENOTFOUND if there is no such person.
func (db *DB) FindPersonByID(ctx context.Context, id int64) (*nudge.Person, error) {
	return findPersonByID(ctx, db.r, id, "")
}

func findPersonByID(ctx context.Context, q querier, id int64, lock string) (*nudge.Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE p.id = $1`+lock, id))
	if err != nil {
		return nil, notFound(err, "no person with id %d", id)
	}
	return p, nil
}

// FindPersonByEmail matches case-insensitively; ENOTFOUND if none.
func (db *DB) FindPersonByEmail(ctx context.Context, email string) (*nudge.Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	p, err := scanPerson(db.r.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people p WHERE p.email = $1 AND p.email <> ''`, email))
	if err != nil {
		return nil, notFound(err, "no person with email %q", email)
	}
	return p, nil
}

// FindPeople returns the matching people ordered by name (case-insensitive,
// then id), and the total count ignoring Offset and Limit. Query matches the
// name, email, title or company name, case-insensitively.
func (db *DB) FindPeople(ctx context.Context, f nudge.PersonFilter) ([]*nudge.Person, int, error) {
	return db.FindPeopleIn(ctx, PeopleQuery{PersonFilter: f})
}

// PeopleQuery is a people listing narrowed to what one user may see, with
// the filters of the web app's People page on top of the domain's.
type PeopleQuery struct {
	nudge.PersonFilter
	// Owners limits the people to those owned by these users; nil means any
	// owner (an admin), an empty non-nil slice means nobody.
	Owners []int64
	// Cadence keeps people with an open enrollment in this cadence.
	Cadence string
	// QuietSince keeps people with no touch at or after this instant
	// ("quiet for N days").
	QuietSince *time.Time
	// CARR keeps people in this CARR phase (G4), as the engine stored it
	// (people.carr_phase, indexed).
	CARR nudge.CARRPhase
}

// FindPeopleIn returns the people matching q ordered by name, and their
// total ignoring Offset and Limit.
func (db *DB) FindPeopleIn(ctx context.Context, q PeopleQuery) ([]*nudge.Person, int, error) {
	if q.Owners != nil && len(q.Owners) == 0 {
		return nil, 0, nil
	}
	var w where
	f := q.PersonFilter
	if f.ID != nil {
		w.add("p.id = " + w.arg(*f.ID))
	}
	if f.Email != nil {
		w.add("p.email = " + w.arg(strings.ToLower(strings.TrimSpace(*f.Email))))
	}
	if f.OwnerID != nil {
		w.add("p.owner_id = " + w.arg(*f.OwnerID))
	}
	if q.Owners != nil {
		ps := make([]string, len(q.Owners))
		for i, id := range q.Owners {
			ps[i] = w.arg(id)
		}
		w.add("p.owner_id IN (" + strings.Join(ps, ", ") + ")")
	}
	if f.CompanyID != nil {
		w.add("p.company_id = " + w.arg(*f.CompanyID))
	}
	if f.Status != nil {
		w.add("p.status = " + w.arg(string(*f.Status)))
	}
	if q.Cadence != "" {
		w.add(`EXISTS (SELECT 1 FROM enrollments e WHERE e.person_id = p.id AND e.cadence = ` + w.arg(q.Cadence) +
			` AND e.state IN ('active', 'snoozed', 'paused'))`)
	}
	if q.CARR != "" {
		w.add("p.carr_phase = " + w.arg(string(q.CARR)))
	}
	if q.QuietSince != nil {
		w.add(`NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = p.id AND i.at >= ` + w.arg(ms(*q.QuietSince)) + `)`)
	}
	from := ` FROM people p`
	if s := strings.TrimSpace(f.Query); s != "" {
		from += ` LEFT JOIN companies c ON c.id = p.company_id`
		x := w.arg(likePattern(s))
		w.add(fmt.Sprintf(`(lower(p.name) LIKE %[1]s ESCAPE '\' OR p.email LIKE %[1]s ESCAPE '\'
			OR lower(p.title) LIKE %[1]s ESCAPE '\' OR lower(COALESCE(c.name, '')) LIKE %[1]s ESCAPE '\')`, x))
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*)`+from+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count people: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+personColumns+from+w.String()+
		` ORDER BY lower(p.name)`+db.d.textOrder+`, p.id`+db.d.limit(f.Limit, f.Offset), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find people: %w", err)
	}
	var people []nudge.Person
	if err := collect(rows, scanPerson, &people); err != nil {
		return nil, 0, fmt.Errorf("find people: %w", err)
	}
	out := make([]*nudge.Person, len(people))
	for i := range people {
		out[i] = &people[i]
	}
	return out, total, nil
}

// CreatePerson validates p and stores it, setting ID and timestamps.
// EINVALID for bad fields, ECONFLICT if the email is taken, EFORGOTTEN if the
// email or phone belongs to a forgotten person.
func (db *DB) CreatePerson(ctx context.Context, p *nudge.Person) error {
	if err := p.Validate(); err != nil {
		return err
	}
	now := db.now()
	return db.inTx(ctx, func(tx *wtx) error {
		if err := checkTombstone(ctx, tx, p.Email, p.Phone); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO people (owner_id, company_id, name, email, phone, title,
			time_zone, country, city, lat, lon, has_coords, preferred_channel, assistant_name, ok_to_say_no,
			pain_gain, interests, buying_role, reports_to_id, status,
			do_not_contact, do_not_contact_reason, do_not_contact_at, source, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
				$21, $22, $23, $24, $25, $25)
			RETURNING id`,
			ref(p.OwnerID), ref(p.CompanyID), p.Name, p.Email, p.Phone, p.Title,
			p.TimeZone, p.Country, p.Location.City, p.Location.Lat, p.Location.Lon, p.Location.HasCoords,
			string(p.PreferredChannel), p.AssistantName, p.OKToSayNo,
			p.PainGain, p.Interests, string(p.BuyingRole), ref(p.ReportsToID), string(p.Status),
			p.DoNotContact, p.DoNotContactReason, msPtr(p.DoNotContactAt), p.Source, ms(now),
		).Scan(&p.ID)
		if err != nil {
			return personWriteError(err, p.Email)
		}
		p.CreatedAt, p.UpdatedAt = now, now
		if p.DoNotContactAt != nil {
			t := truncMS(*p.DoNotContactAt)
			p.DoNotContactAt = &t
		}
		return nil
	})
}

// personWriteError turns constraint failures into errors a user can act on.
func personWriteError(err error, email string) error {
	switch {
	case isUniqueViolation(err):
		return &nudge.Error{Code: nudge.ECONFLICT, Field: "email", Message: fmt.Sprintf("a person with email %q already exists", email)}
	case isForeignKeyViolation(err):
		return nudge.Errorf(nudge.EINVALID, "the owner, company or reports-to person does not exist")
	}
	return fmt.Errorf("store person: %w", err)
}

// UpdatePerson applies u and returns the stored person. ENOTFOUND, EINVALID,
// ECONFLICT, and EFORGOTTEN if the new email or phone was forgotten.
func (db *DB) UpdatePerson(ctx context.Context, id int64, u nudge.PersonUpdate) (*nudge.Person, error) {
	var p *nudge.Person
	err := db.inTx(ctx, func(tx *wtx) error {
		var err error
		if p, err = findPersonByID(ctx, tx, id, db.d.forUpdate); err != nil {
			return err
		}
		oldEmail, oldPhone := p.Email, p.Phone
		u.Apply(p)
		if err := p.Validate(); err != nil {
			return err
		}
		if p.Email != oldEmail || p.Phone != oldPhone {
			if err := checkTombstone(ctx, tx, p.Email, p.Phone); err != nil {
				return err
			}
		}
		p.UpdatedAt = db.now()
		_, err = tx.ExecContext(ctx, `UPDATE people SET owner_id = $2, company_id = $3, name = $4, email = $5,
			phone = $6, title = $7, time_zone = $8, country = $9, city = $10, lat = $11, lon = $12, has_coords = $13,
			preferred_channel = $14, assistant_name = $15, ok_to_say_no = $16, pain_gain = $17, interests = $18,
			buying_role = $19, reports_to_id = $20, status = $21, updated_at = $22
			WHERE id = $1`,
			id, ref(p.OwnerID), ref(p.CompanyID), p.Name, p.Email,
			p.Phone, p.Title, p.TimeZone, p.Country, p.Location.City, p.Location.Lat, p.Location.Lon, p.Location.HasCoords,
			string(p.PreferredChannel), p.AssistantName, p.OKToSayNo, p.PainGain, p.Interests,
			string(p.BuyingRole), ref(p.ReportsToID), string(p.Status), ms(p.UpdatedAt))
		if err != nil {
			return personWriteError(err, p.Email)
		}
		// A new zone, country, owner or status changes the schedule.
		return markForCheck(ctx, tx, id, p.UpdatedAt)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeletePerson removes a person and everything recorded about them (their
// interactions, commitments and deals go by ON DELETE CASCADE). ENOTFOUND.
func (db *DB) DeletePerson(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete person %d: %w", id, err)
	}
	return checkAffected(res, "no person with id %d", id)
}

// SetDoNotContact applies the G1 hard stop (on=true) or lifts it. Setting it
// again keeps the first time and reason. ENOTFOUND.
func (db *DB) SetDoNotContact(ctx context.Context, id int64, on bool, reason string) error {
	now := db.now()
	return db.inTx(ctx, func(tx *wtx) error {
		var res sql.Result
		var err error
		if on {
			res, err = tx.ExecContext(ctx, `UPDATE people SET do_not_contact = true,
				do_not_contact_reason = CASE WHEN do_not_contact THEN do_not_contact_reason ELSE $2 END,
				do_not_contact_at = COALESCE(do_not_contact_at, $3), updated_at = $3
				WHERE id = $1`, id, strings.TrimSpace(reason), ms(now))
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE people SET do_not_contact = false,
				do_not_contact_reason = '', do_not_contact_at = NULL, updated_at = $2
				WHERE id = $1`, id, ms(now))
		}
		if err != nil {
			return fmt.Errorf("set do-not-contact on person %d: %w", id, err)
		}
		if err := checkAffected(res, "no person with id %d", id); err != nil {
			return err
		}
		if on {
			// G1 is immediate: no proposed touch survives the flag, even
			// before the engine closes the enrollments.
			if _, err := tx.ExecContext(ctx, `DELETE FROM tasks WHERE person_id = $1 AND state = 'open'`, id); err != nil {
				return fmt.Errorf("G1: drop open tasks of person %d: %w", id, err)
			}
		}
		return markForCheck(ctx, tx, id, now)
	})
}

// ForgetPerson erases a person (GDPR): the person and their interactions,
// commitments and deals are deleted, and a tombstone of hashed identifiers
// is left so they are never re-imported or created again. ENOTFOUND.
func (db *DB) ForgetPerson(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx *wtx) error {
		var email, phone string
		err := tx.QueryRowContext(ctx, `SELECT email, phone FROM people WHERE id = $1`+db.d.forUpdate, id).Scan(&email, &phone)
		if err != nil {
			return notFound(err, "no person with id %d", id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, id); err != nil {
			return fmt.Errorf("forget person %d: %w", id, err)
		}
		if email == "" && phone == "" {
			return nil // nothing could bring them back; nothing to remember
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tombstones (email_sha256, phone_sha256, created_at) VALUES ($1, $2, $3)`,
			identityHash(email), identityHash(phone), ms(db.now()))
		if err != nil {
			return fmt.Errorf("forget person %d: tombstone: %w", id, err)
		}
		return nil
	})
}

// checkTombstone returns EFORGOTTEN if email or phone belongs to a forgotten
// person.
func checkTombstone(ctx context.Context, q querier, email, phone string) error {
	if email == "" && phone == "" {
		return nil
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tombstones
		WHERE (email_sha256 = $1 AND $1 <> '') OR (phone_sha256 = $2 AND $2 <> '')`,
		identityHash(email), identityHash(phone)).Scan(&n)
	if err != nil {
		return fmt.Errorf("check tombstones: %w", err)
	}
	if n > 0 {
		return nudge.Errorf(nudge.EFORGOTTEN, "this person asked to be erased and cannot be added again")
	}
	return nil
}
