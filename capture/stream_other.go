//go:build !unix

package capture

// noFollow is 0 where open has no O_NOFOLLOW (Windows): there the file
// is opened as os.Create opens it; turtle runs there as the user who
// started it, with no privileges to drop.
const noFollow = 0

func isLinkRefused(err error) bool { return false }
