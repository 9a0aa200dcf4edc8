// Package nudge holds the domain of the nudge follow-up engine: the people a rep
// follows up with, what happened between them, and what each side promised.
//
// The types here carry no storage or transport concerns. The rules they encode
// are numbered after ../shared/METHOD.md (A1…H4); comments quote those numbers.
package nudge

import (
	"errors"
	"fmt"
)

// Error codes. Callers branch on the code; users read the message.
const (
	EINVALID      = "invalid"      // the input is wrong; Message says which field or value
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller
	ECONFLICT     = "conflict"     // would break a uniqueness or state rule
	EUNAUTHORIZED = "unauthorized" // the caller may not do this
	EFORGOTTEN    = "forgotten"    // the person asked to be erased; they must not come back
	EINTERNAL     = "internal"     // a bug or an outage; details are logged, not shown
)

// Error is an error a user can act on. Field names the offending field when
// there is one, so forms can show the message beside it.
type Error struct {
	Code    string
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the *Error's message, or
// a generic sentence for internal errors, whose details belong in the log.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Error()
	}
	return "internal error"
}
