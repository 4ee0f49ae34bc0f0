//! The exclusion patterns of directory copies.

/// Whether an entry is excluded by `patterns`.
///
/// `relative_path` is the entry's path relative to the directory being copied, `/`-separated
/// (e.g. `sub/file.txt`). A pattern matches when it matches the entry's name (its last
/// component) or its whole relative path; `*` matches any run of characters (including `/`),
/// `?` any one character, everything else itself. A trailing `/` on a pattern is ignored.
/// An excluded directory is skipped with everything inside it.
pub fn is_excluded(patterns: &[String], relative_path: &str) -> bool {
    let name = relative_path.rsplit('/').next().unwrap_or(relative_path);
    patterns.iter().any(|pattern| {
        let pattern = pattern.trim_end_matches('/');
        !pattern.is_empty()
            && (matches(pattern.as_bytes(), name.as_bytes())
                || matches(pattern.as_bytes(), relative_path.as_bytes()))
    })
}

/// Wildcard match with `*` and `?`, backtracking to the last `*`.
fn matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            last_star = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = last_star {
            p = star + 1;
            t = matched + 1;
            last_star = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&byte| byte == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(pattern: &str, path: &str) -> bool {
        is_excluded(&[pattern.to_owned()], path)
    }

    #[test]
    fn names_and_paths_match() {
        assert!(excluded(".git", ".git"));
        assert!(excluded(".git", "sub/.git"));
        assert!(excluded("sub/skip.txt", "sub/skip.txt"));
        assert!(!excluded("sub/skip.txt", "other/skip.txt"));
        assert!(excluded("*.log", "a/b/c.log"));
        assert!(excluded("tmp*", "tmpfile"));
        assert!(excluded("*cache*", "x/.cache-dir"));
        assert!(excluded("?.txt", "a.txt"));
        assert!(excluded("build/", "build"));
        assert!(!excluded("*.log", "a.logx"));
        assert!(!excluded("a", "ab"));
        assert!(!excluded("", "anything"));
        assert!(excluded("a*b*c", "aXXbYYc"));
        assert!(!excluded("a*b*c", "aXXbYY"));
    }
}
