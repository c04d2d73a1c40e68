# SPDX-License-Identifier: BSD-3-Clause
# fuzz/: libFuzzer targets for the parsers of bytes pam_prefect did not
# write itself (Cloud's answers) or that a mistake could damage (the
# configuration, entries, the mapping, cache records, login memos, times,
# names). Built
# by "make fuzz" with clang, -fsanitize=fuzzer,address,undefined, from the
# library's sources (not from libpp.la, which gcc builds); run by
# fuzz/run (CI) or by hand: fuzz/fuzz_time -max_total_time=60 $(srcdir)/fuzz/corpus/time
FUZZ_TARGETS = config entry mapping cache workspaces expiration rotated time names memo
FUZZ_SRC_FILES = fuzz/fuzz_config.c fuzz/fuzz_entry.c fuzz/fuzz_mapping.c fuzz/fuzz_cache.c \
	fuzz/fuzz_workspaces.c fuzz/fuzz_expiration.c fuzz/fuzz_rotated.c fuzz/fuzz_time.c \
	fuzz/fuzz_names.c \
	fuzz/fuzz_memo.c
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_CPPFLAGS = $(DEFS) -I$(top_builddir) -I$(top_srcdir)/lib -I$(top_srcdir)/fuzz \
	$(AM_CPPFLAGS) $(LIBCONFIG_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(MD_CFLAGS)
FUZZ_LIBS = $(CURL_LIBS) $(JSONC_LIBS) $(MD_LIBS) $(DL_LIBS) -lpthread

# The library's C files are compiled once for all targets (without
# -fsanitize=fuzzer's main: -fsanitize=fuzzer-no-link).
fuzz:
	@$(MKDIR_P) fuzz/obj
	@set -e; objs=""; for f in $(lib_libpp_la_SOURCES) $(lib_libppcloud_la_SOURCES); do \
	    case $$f in *.c) ;; *) continue ;; esac; \
	    o=fuzz/obj/$$(basename $$f .c).o; \
	    echo "  FUZZCC   $$o"; \
	    $(FUZZ_CC) $(FUZZ_CPPFLAGS) -g -O1 -fno-omit-frame-pointer \
	        -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	        -c -o $$o $(top_srcdir)/$$f; \
	    objs="$$objs $$o"; \
	done; \
	for t in $(FUZZ_TARGETS); do \
	    echo "  FUZZLD   fuzz/fuzz_$$t"; \
	    $(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -o fuzz/fuzz_$$t \
	        $(top_srcdir)/fuzz/fuzz_$$t.c $$objs $(FUZZ_LIBS); \
	done
.PHONY: fuzz

clean-local: clean-fuzz
clean-fuzz:
	rm -rf fuzz/obj fuzz/out
	for t in $(FUZZ_TARGETS); do rm -f fuzz/fuzz_$$t; done
.PHONY: clean-fuzz

EXTRA_DIST += fuzz/fuzz.h fuzz/run fuzz/README.md $(FUZZ_SRC_FILES) fuzz/corpus
