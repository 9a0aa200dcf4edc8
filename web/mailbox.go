package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// mailboxView is one of the user's mailboxes as the Settings page lists it:
// the URLs as stored, without their passwords, and nothing sealed.
type mailboxView struct {
	ID            int64
	Address       string
	SMTPURL       string
	IMAPURL       string
	PostalAddress string
	DailyCap      int
}

func mailboxViews(ms []store.Mailbox) []mailboxView {
	out := make([]mailboxView, len(ms))
	for i, m := range ms {
		out[i] = mailboxView{ID: m.ID, Address: m.Address, SMTPURL: m.SMTPURL, IMAPURL: m.IMAPURL,
			PostalAddress: m.PostalAddress, DailyCap: m.DailyCap}
	}
	return out
}

// settingsMailboxAdd gives the signed-in user a mailbox, as nudge mailbox
// add does: the passwords in the URLs are sealed with the server's key
// before the store sees them, and never shown again — a form in error comes
// back with the URLs redacted.
func (s *Server) settingsMailboxAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	form := url.Values{}
	for _, k := range []string{"from", "postal_address", "daily_cap"} {
		form.Set(k, r.PostFormValue(k))
	}
	m := store.Mailbox{UserID: c.user.ID, Name: c.user.Name, PostalAddress: strings.TrimSpace(r.PostFormValue("postal_address")),
		DailyCap: store.DefaultDailyCap, MinGap: time.Minute, Jitter: time.Minute}
	err := s.sealMailbox(&m, r.PostFormValue("from"), r.PostFormValue("smtp_url"), r.PostFormValue("imap_url"), form)
	if err == nil {
		if v := strings.TrimSpace(r.PostFormValue("daily_cap")); v != "" {
			if m.DailyCap, err = strconv.Atoi(v); err != nil || m.DailyCap < 0 {
				err = nudge.FieldError("daily_cap", "%q is not a number of emails a day (0: no cap)", v)
			}
		}
	}
	if err == nil && m.PostalAddress == "" {
		err = nudge.FieldError("postal_address", "every email carries the sender's postal address (CAN-SPAM)")
	}
	if err == nil {
		err = s.db.SaveMailbox(r.Context(), &m)
		if e, ok := err.(*nudge.Error); ok && e.Field == "from" {
			err = &nudge.Error{Code: e.Code, Field: "mailbox_from", Message: e.Message}
		}
	}
	if err != nil {
		v, _, verr := s.settingsView(w, r, c)
		if verr != nil {
			return verr
		}
		for k := range form { // beside the other forms' values
			v.Form.Set(k, form.Get(k))
		}
		if !v.formError(err, v.Form) {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "settings", v)
		return nil
	}
	s.redirect(w, r, "/settings", fmt.Sprintf("Mailbox %s added; its passwords are stored encrypted.", m.Address))
	return nil
}

// sealMailbox fills m's address and URLs, sealing the passwords; form gets
// the URLs redacted, to re-show them without their secrets.
func (s *Server) sealMailbox(m *store.Mailbox, from, smtpURL, imapURL string, form url.Values) error {
	if s.cfg.Keys == nil {
		return nudge.FieldError("smtp_url", "this server has no secret key to encrypt mailbox passwords with: add the mailbox with nudge mailbox add")
	}
	addr, err := nudge.NormalizeEmail(from)
	if err != nil {
		return &nudge.Error{Code: nudge.EINVALID, Field: "mailbox_from", Message: nudge.ErrorMessage(err)}
	}
	m.Address = addr
	for _, u := range []struct {
		field, raw, want string
		url, secret      *string
	}{
		{"smtp_url", smtpURL, "smtp", &m.SMTPURL, &m.SMTPSecret},
		{"imap_url", imapURL, "imap", &m.IMAPURL, &m.IMAPSecret},
	} {
		if strings.TrimSpace(u.raw) == "" {
			if u.want == "smtp" {
				return nudge.FieldError(u.field, "a mailbox needs an SMTP URL, e.g. smtp://user:password@mail.example.com:587")
			}
			continue
		}
		srv, err := mail.ParseServer(u.raw)
		if err != nil {
			return &nudge.Error{Code: nudge.EINVALID, Field: u.field, Message: nudge.ErrorMessage(err)}
		}
		form.Set(u.field, srv.Redacted())
		if !strings.HasPrefix(srv.Scheme, u.want) {
			return nudge.FieldError(u.field, "%s is not an %s URL", srv.Redacted(), strings.ToUpper(u.want))
		}
		if *u.url, *u.secret, err = mail.SealServer(s.cfg.Keys, u.raw, addr); err != nil {
			return fmt.Errorf("seal the %s password of %s: %w", u.want, addr, err)
		}
	}
	return nil
}

// settingsMailboxRemove removes one of the user's own mailboxes; another's
// is not found (404), as everything outside one's scope.
func (s *Server) settingsMailboxRemove(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ms, err := s.db.FindMailboxes(r.Context(), store.MailboxFilter{ID: &id, UserID: &c.user.ID})
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return nudge.Errorf(nudge.ENOTFOUND, "no mailbox %d of yours", id)
	}
	if err := s.db.DeleteMailbox(r.Context(), id); err != nil {
		return err
	}
	s.redirect(w, r, "/settings", "Mailbox "+ms[0].Address+" removed.")
	return nil
}
