package mail

import (
	"context"
	"html/template"
	"net/http"
	"path"
	"time"

	"github.com/nudgecrm/nudge"
)

// Unsubscriber stops every touch to a person (G1).
type Unsubscriber interface {
	Unsubscribe(ctx context.Context, personID int64) error
}

// Unsubscribe applies G1 for a person who followed their unsubscribe link
// or wrote "unsubscribe": an inbound "asked-to-stop" touch logged through
// the engine (do-not-contact, every enrollment exits, open tasks dropped
// across all cadences and reps) and every message not yet sent cancelled.
// Doing it twice changes nothing; a person no longer stored is fine.
func (o *Outbox) Unsubscribe(ctx context.Context, personID int64) error {
	p, err := o.db.FindPersonByID(ctx, personID)
	if nudge.ErrorCode(err) == nudge.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !p.DoNotContact {
		i := &nudge.Interaction{PersonID: p.ID, UserID: p.OwnerID, Channel: nudge.ChannelEmail, Direction: nudge.Inbound,
			Outcome: nudge.OutcomeAskedToStop, At: o.clock.Now(), Note: nudge.WIN{What: "unsubscribed from email (G1)"}}
		if err := o.engine.Log(ctx, i, nil); err != nil {
			return err
		}
	}
	_, err = o.db.CancelPersonMessages(ctx, p.ID, "G1: the person unsubscribed")
	return err
}

// UnsubscribeHandler serves the link of every email's footer and its
// List-Unsubscribe header, mounted at /unsubscribe/{token}: GET shows a
// page with one button (link scanners follow GETs, so a GET changes
// nothing); POST — the button, or a mail client's RFC 8058 one-click POST
// of "List-Unsubscribe=One-Click" — stops every touch at once (G1).
func UnsubscribeHandler(keys *Keys, u Unsubscriber) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.PathValue("token")
		if token == "" {
			token = path.Base(r.URL.Path)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		personID, err := keys.PersonOfToken(token)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			unsubscribePage.Execute(w, pageData{Title: "Link not valid", Text: "This unsubscribe link is not valid. Reply to the email with the word \"unsubscribe\" instead, and we will stop."})
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			unsubscribePage.Execute(w, pageData{Title: "Unsubscribe", Text: "Stop all emails and follow-up from us?", Form: true})
		case http.MethodPost:
			ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
			defer cancel()
			if err := u.Unsubscribe(ctx, personID); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				unsubscribePage.Execute(w, pageData{Title: "Please try again", Text: "Something went wrong on our side. Please try again in a minute, or reply \"unsubscribe\" to the email."})
				return
			}
			unsubscribePage.Execute(w, pageData{Title: "Unsubscribed", Text: "Done: you will not hear from us again."})
		default:
			w.Header().Set("Allow", "GET, POST")
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
}

type pageData struct {
	Title, Text string
	Form        bool
}

var unsubscribePage = template.Must(template.New("unsubscribe").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex">
<title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Form}}<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>{{end}}
</body></html>
`))
