package method

import (
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// Opening writes the D1 opening statement of a follow-up call from what is
// recorded: 1) the rep's full name, 2) the rep's company, 3) why you are
// calling — the pain or gain from last time (A6, else the last note's
// insights), 4) "Has anything changed?", then the agenda (the last note's
// next steps) ending "…then we'll determine the next steps, if applicable.
// Is that fair?".
func Opening(p nudge.Person, repCompany string, rep nudge.User, last nudge.WIN) string {
	first := firstName(p.Name)
	var b strings.Builder
	who := rep.Name
	if who == "" {
		who = "<your full name>"
	}
	if repCompany == "" {
		repCompany = "<your company>"
	}
	fmt.Fprintf(&b, "%s, this is %s calling from %s.", first, who, repCompany)
	why := strings.TrimSpace(p.PainGain)
	if why == "" {
		why = strings.TrimSpace(last.Insights)
	}
	if why == "" {
		why = strings.TrimSpace(last.What)
	}
	if why != "" {
		fmt.Fprintf(&b, " %s, when we last spoke you told me: %s.", first, strings.TrimRight(why, ". "))
	}
	b.WriteString(" Has anything changed?")
	if next := strings.TrimSpace(last.NextSteps); next != "" {
		fmt.Fprintf(&b, " What I would like to recommend at this stage is: %s.", strings.TrimRight(next, ". "))
	} else {
		b.WriteString(" What I would like to recommend is that we look at where things stand and at your requirements.")
	}
	b.WriteString(" Then we'll determine the next steps, if applicable. Is that fair?")
	return b.String()
}

func firstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return "there"
	}
	return f[0]
}

// script fills the step's template for the rep to read or send. Calls open
// with D1; the C3 voicemail scripts follow the no-show protocol.
func (pl *planner) script(template string, t *nudge.Task, e nudge.Enrollment) string {
	in := pl.in
	first := firstName(in.Person.Name)
	rep, co := in.Rep.Name, in.RepCompany
	if rep == "" {
		rep = "<your name>"
	}
	if co == "" {
		co = "<your company>"
	}
	opening := Opening(in.Person, in.RepCompany, in.Rep, pl.lastNote)
	apptAt := ""
	if a := pl.appointment(e); a != nil {
		apptAt = clock12(a.At.In(pl.ploc))
	}
	pain := strings.TrimSpace(in.Person.PainGain)
	if pain == "" {
		pain = strings.TrimSpace(pl.lastNote.Insights)
	}
	vm := func(s string) string {
		if t.Voicemail {
			return opening + "\n\nIf not reached, leave this voicemail: " + s
		}
		return opening + "\n\nIf not reached, leave no voicemail (B6: an unannounced attempt)."
	}
	switch template {
	case "d1-opening", "b5-voicemail":
		return vm(fmt.Sprintf("Hi %s, it's %s from %s. I have something new for you; my number is <your number>.", first, rep, co))
	case "c3-voicemail-1":
		return vm(fmt.Sprintf("Hi %s, it's %s from %s calling for our %s appointment. Sounds like you might be tied up for a few moments. I'll call in 10 minutes if I haven't heard from you. In the meantime, my number is <your number>.", first, rep, co, apptAt))
	case "c3-voicemail-2":
		return vm(fmt.Sprintf("Hi %s, it's %s from %s, following up on our %s appointment. Looks like you're still tied up. Please call me when you're free at <your number>; otherwise I will call you later this morning or early this afternoon.", first, rep, co, apptAt))
	case "c3-voicemail-3":
		reminder := ""
		if pain != "" {
			reminder = fmt.Sprintf(" When we last spoke you were concerned about %s. I have some ideas for you.", strings.TrimRight(pain, ". "))
		}
		return vm(fmt.Sprintf("%s, it's %s from %s. I called a couple of times today but as of yet we have not been able to connect.%s My number is <your number>.", first, rep, co, reminder))
	case "b4-disqualify":
		return opening + fmt.Sprintf("\n\nB4: we have been in touch %d times without a step forward from you. Ask plainly: would you like me to stop following up?", e.SinceProgress)
	case "e1-truth":
		return fmt.Sprintf("Hi %s, it's %s. I wanted first of all to apologize that we ended up not being able to connect; somewhere along the way I may have dropped the ball or not given you what you needed. I'm not calling to move things forward: I assume you may have gone ahead with someone else, and that's perfectly okay. Do you have any feedback on where I can improve?", first, rep)
	case "e2-back-off":
		return fmt.Sprintf("%s, I know how busy you are and understand if you haven't had the time to get back to me. I don't want to bombard you if this isn't a priority. Just let me know if you'd prefer I stop following up, or need me to back off for a while.", first)
	case "e2-resume":
		return opening + "\n\n(E2: they asked you to call back about now.)"
	case "e3-fall-on-sword":
		return fmt.Sprintf("%s, unfortunately we've been unable to connect, and I'm starting to feel like an annoyance. Please let me know what's changed and how I should best follow up.", first)
	case "e4-assistant":
		name := in.Person.AssistantName
		if name == "" {
			name = "the receptionist or assistant"
		}
		return fmt.Sprintf("Call %s: ask how best to reach %s, and who else is involved in the decision (A7).", name, in.Person.Name)
	case "e4-manager":
		return fmt.Sprintf("Manager: call %s's boss (A7 buying group), introduce yourself and ask who should own this.", in.Person.Name)
	case "e5-fire":
		return fmt.Sprintf("%s, I haven't been able to reach you, so I'm closing your file for now. If things change, I'm glad to pick it up again.", first)
	case "c1-reminder":
		a := pl.appointment(e)
		if a == nil {
			return ""
		}
		kind := "Telephone appointment"
		if a.Kind == nudge.AppointmentVisit {
			kind = "Visit"
		}
		at := a.At.In(pl.ploc)
		agenda := ""
		if len(a.Agenda) > 0 {
			agenda = " We'll " + strings.Join(a.Agenda, ", ") + "."
		}
		mins := ""
		if a.Minutes > 0 {
			mins = fmt.Sprintf(" Please allow %d minutes for our conversation tomorrow.", a.Minutes)
		}
		return fmt.Sprintf("Subject: %s for %s at %s\n\n%s,%s This confirms %s at %s.%s And then we'll determine the next steps, if any.",
			kind, at.Format("January 2"), clock12(at), first, mins, at.Format("Monday, January 2"), clock12(at), agenda)
	case "c4-thank-you":
		next := ""
		if a := pl.nextAppointment(t.Due); a != nil {
			next = fmt.Sprintf(" I look forward to our next conversation on the %s.", ordinal(a.At.In(pl.ploc).Day()))
		}
		return fmt.Sprintf("%s, thank you for taking the time speaking with me today.%s Enjoy the day!", first, next)
	case "f1-drip":
		return fmt.Sprintf("%s, something I thought you would find useful this month: <an article, an event, an introduction>.", first)
	case "f2-measure", "f2-review":
		return fmt.Sprintf("Re-measure with %s each value line sold against its baseline and goal; missed goal → ask why not; met goal → look for other areas to help.", first)
	}
	if t.Channel == nudge.ChannelCall || t.Channel == nudge.ChannelVoicemail {
		return vm(fmt.Sprintf("Hi %s, it's %s from %s; my number is <your number>.", first, rep, co))
	}
	return ""
}

// clock12 renders "9:00 am" (C1's subject line).
func clock12(t time.Time) string {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	ampm := "am"
	if t.Hour() >= 12 {
		ampm = "pm"
	}
	return fmt.Sprintf("%d:%02d %s", h, t.Minute(), ampm)
}

func ordinal(d int) string {
	suffix := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suffix = "st"
	case d%10 == 2:
		suffix = "nd"
	case d%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", d, suffix)
}
