package mail

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nudgecrm/nudge"
)

// SecretKeyEnv names the variable that can hold the secret key (64 hex
// digits or 32 bytes of base64) instead of the key file.
const SecretKeyEnv = "NUDGE_SECRET_KEY"

// Keys are derived from one 32-byte secret kept outside the database (a key
// file or NUDGE_SECRET_KEY): one seals mailbox passwords (AES-256-GCM), the
// other signs unsubscribe tokens (HMAC-SHA256). Separate keys, so a token
// never helps an attack on the seal and the other way round. Keys are never
// printed: String hides them.
type Keys struct {
	seal []byte
	sign []byte
}

// String keeps the keys out of logs and %v.
func (Keys) String() string { return "mail.Keys(redacted)" }

// NewKeys derives the keys from a 32-byte secret.
func NewKeys(secret []byte) (*Keys, error) {
	if len(secret) != 32 {
		return nil, fmt.Errorf("secret key: want 32 bytes, got %d", len(secret))
	}
	derive := func(purpose string) []byte {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte("nudge " + purpose))
		return h.Sum(nil)
	}
	return &Keys{seal: derive("mailbox secrets v1"), sign: derive("unsubscribe tokens v1")}, nil
}

// LoadKeys reads the secret from NUDGE_SECRET_KEY (getenv) or, when unset,
// from the file keyFile, creating it (mode 0600, its directory 0700) with a
// fresh random secret on first use.
func LoadKeys(getenv func(string) string, keyFile string) (*Keys, error) {
	if v := strings.TrimSpace(getenv(SecretKeyEnv)); v != "" {
		secret, err := decodeSecret(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", SecretKeyEnv, err)
		}
		return NewKeys(secret)
	}
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, 32)
		rand.Read(secret)
		if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
		f, err := os.OpenFile(keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) { // another process created it meanwhile
			return LoadKeys(func(string) string { return "" }, keyFile)
		}
		if err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
		_, err = f.WriteString(hex.EncodeToString(secret) + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("secret key %s: %w", keyFile, err)
		}
		return NewKeys(secret)
	}
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	secret, err := decodeSecret(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", keyFile, err)
	}
	return NewKeys(secret)
}

// DefaultKeyFile is where LoadKeys keeps the key: the user's config
// directory (os.UserConfigDir), nudge/secret.key.
func DefaultKeyFile() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "nudge", "secret.key"), nil
}

func decodeSecret(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("want 32 bytes as 64 hex digits or base64")
}

// Seal encrypts a secret with AES-256-GCM; context (e.g. "smtp jim@a-z.example")
// is authenticated, so a sealed value cannot be moved to another mailbox.
// The result is "v1:" and base64 of nonce and ciphertext.
func (k *Keys) Seal(plain, context string) (string, error) {
	if plain == "" {
		return "", nil
	}
	gcm, err := k.gcm()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	out := gcm.Seal(nonce, nonce, []byte(plain), []byte(context))
	return "v1:" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal produced with the same context.
func (k *Keys) Open(sealed, context string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", errors.New("sealed secret: unknown format")
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil {
		return "", fmt.Errorf("sealed secret: %w", err)
	}
	gcm, err := k.gcm()
	if err != nil {
		return "", err
	}
	if len(b) < gcm.NonceSize() {
		return "", errors.New("sealed secret: too short")
	}
	plain, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte(context))
	if err != nil {
		return "", errors.New("sealed secret: cannot decrypt (wrong key, or the value was altered)")
	}
	return string(plain), nil
}

func (k *Keys) gcm() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.seal)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// UnsubscribeToken is the token of a person's unsubscribe link: their id and
// an HMAC of it, so nobody can forge a link that stops someone else's email.
// It does not expire: an old email's link must keep working (RFC 8058).
func (k *Keys) UnsubscribeToken(personID int64) string {
	id := strconv.FormatInt(personID, 10)
	return id + "." + base64.RawURLEncoding.EncodeToString(k.mac(id))
}

// PersonOfToken checks a token and returns the person it names; EINVALID
// when it was not made with these keys.
func (k *Keys) PersonOfToken(token string) (int64, error) {
	id, sig, ok := strings.Cut(token, ".")
	bad := nudge.Errorf(nudge.EINVALID, "this unsubscribe link is not valid")
	if !ok {
		return 0, bad
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return 0, bad
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || subtle.ConstantTimeCompare(got, k.mac(id)) != 1 {
		return 0, bad
	}
	return n, nil
}

func (k *Keys) mac(id string) []byte {
	h := hmac.New(sha256.New, k.sign)
	h.Write([]byte("unsubscribe person " + id))
	return h.Sum(nil)[:16]
}
