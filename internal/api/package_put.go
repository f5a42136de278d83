package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// Package kinds.
var packageKinds = []string{"assessment", "interview_kit", "interview_plan"}

// Bounds of a package list. Lever documents no limit on a tag's length;
// a package tag is something a recruiter picks from a list, so 100
// characters is plenty, and a longer one is more likely a mistake.
const (
	maxPackageID   = 100 // characters
	maxPackageName = 200 // characters
	maxPackageTag  = 100 // characters
	maxPackages    = 500 // packages in one PUT
)

// packageJSON is a package as the API shows and takes it.
type packageJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	LeverTag string `json:"leverTag,omitempty"`
}

func viewPackages(pkgs []domain.Package) []packageJSON {
	out := make([]packageJSON, 0, len(pkgs))
	for _, p := range pkgs {
		out = append(out, packageJSON{ID: p.ID, Name: p.Name, Kind: p.Kind, LeverTag: p.LeverTag})
	}
	return out
}

type packagesPutInput struct {
	Packages []packageJSON `json:"packages"`
}

// validate checks every package, naming each problem with its index
// (packages[2].leverTag).
func (in *packagesPutInput) validate() error {
	if in.Packages == nil {
		return fieldError("packages", "is required (an empty list unpublishes every package)", "")
	}
	if len(in.Packages) > maxPackages {
		return fieldError("packages", fmt.Sprintf("has %d packages: at most %d are allowed", len(in.Packages), maxPackages), "")
	}
	var errs []domain.FieldError
	bad := func(i int, field, msg string) {
		errs = append(errs, domain.FieldError{Field: fmt.Sprintf("packages[%d].%s", i, field), Message: msg})
	}
	ids := map[string]int{}
	tags := map[string]int{}
	for i, p := range in.Packages {
		switch {
		case strings.TrimSpace(p.ID) == "":
			bad(i, "id", "is required")
		case utf8.RuneCountInString(p.ID) > maxPackageID:
			bad(i, "id", fmt.Sprintf("must be at most %d characters", maxPackageID))
		default:
			if j, dup := ids[p.ID]; dup {
				bad(i, "id", fmt.Sprintf("repeats the id of packages[%d]", j))
			} else {
				ids[p.ID] = i
			}
		}
		if strings.TrimSpace(p.Name) == "" {
			bad(i, "name", "is required")
		} else if utf8.RuneCountInString(p.Name) > maxPackageName {
			bad(i, "name", fmt.Sprintf("must be at most %d characters", maxPackageName))
		}
		if !slices.Contains(packageKinds, p.Kind) {
			bad(i, "kind", "must be one of "+strings.Join(packageKinds, ", "))
		}
		if strings.TrimSpace(p.LeverTag) == "" {
			if p.Kind == "assessment" {
				bad(i, "leverTag", "is required for assessment packages")
			}
		} else if utf8.RuneCountInString(p.LeverTag) > maxPackageTag {
			bad(i, "leverTag", fmt.Sprintf("must be at most %d characters", maxPackageTag))
		} else if j, dup := tags[p.LeverTag]; dup {
			bad(i, "leverTag", fmt.Sprintf("repeats the Lever tag of packages[%d]", j))
		} else {
			tags[p.LeverTag] = i
		}
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	return nil
}

// handlePackagePut replaces the provider's published packages, and queues
// the tagging of the postings its integrations name with their Lever tags.
func (a *API) handlePackagePut(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var in packagesPutInput
	if err := web.DecodeJSON(r, &in, defaultMaxBody); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	pkgs := make([]domain.Package, 0, len(in.Packages))
	for _, pk := range in.Packages {
		pkgs = append(pkgs, domain.Package{ProviderID: p.ID, ID: pk.ID, Name: pk.Name, Kind: pk.Kind, LeverTag: pk.LeverTag})
	}
	var stored []domain.Package
	err = a.db.InTx(r.Context(), func(tx *store.Tx) (err error) {
		// A tag another provider uses on one of this provider's
		// connections would order both for the same candidates.
		if err := a.adm.CheckPackageTags(r.Context(), tx, p.ID, pkgs); err != nil {
			return err
		}
		if err := tx.PackagesReplace(r.Context(), p.ID, pkgs); err != nil {
			return err
		}
		if stored, err = tx.PackageList(r.Context(), p.ID); err != nil {
			return err
		}
		// The postings the operators picked get the packages' tags.
		_, err = a.eng.EnqueueProviderPostingTags(r.Context(), tx, p.ID)
		return err
	})
	if err != nil {
		return err
	}
	a.eng.Notify()
	web.WriteJSON(w, http.StatusOK, struct {
		Data []packageJSON `json:"data"`
	}{viewPackages(stored)})
	return nil
}
