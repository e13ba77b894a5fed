;; Whether bytes [0, length) of the memory (length: a multiple of 64) hold a byte that is a
;; control character XML 1.0 forbids (below 0x20, except TAB, LF and CR), or 0xEF (the first byte
;; of U+FFFE and U+FFFF in UTF-8, and of other characters from U+F000 on).
(module
  (memory (export "memory") 2)
  (func (export "flagged") (param $length i32) (result i32)
    (local $at i32) (local $v v128) (local $m v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $length)))
        (local.set $v (v128.load offset=0 (local.get $at)))
        (local.set $m (v128.or (local.get $m)
          (v128.or
            (v128.or
              (i8x16.swizzle (v128.const i8x16 1 1 1 1 1 1 1 1 1 0 0 1 1 0 1 1) (local.get $v))
              (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)))
            (i8x16.eq (local.get $v) (v128.const i8x16 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef)))))
        (local.set $v (v128.load offset=16 (local.get $at)))
        (local.set $m (v128.or (local.get $m)
          (v128.or
            (v128.or
              (i8x16.swizzle (v128.const i8x16 1 1 1 1 1 1 1 1 1 0 0 1 1 0 1 1) (local.get $v))
              (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)))
            (i8x16.eq (local.get $v) (v128.const i8x16 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef)))))
        (local.set $v (v128.load offset=32 (local.get $at)))
        (local.set $m (v128.or (local.get $m)
          (v128.or
            (v128.or
              (i8x16.swizzle (v128.const i8x16 1 1 1 1 1 1 1 1 1 0 0 1 1 0 1 1) (local.get $v))
              (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)))
            (i8x16.eq (local.get $v) (v128.const i8x16 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef)))))
        (local.set $v (v128.load offset=48 (local.get $at)))
        (local.set $m (v128.or (local.get $m)
          (v128.or
            (v128.or
              (i8x16.swizzle (v128.const i8x16 1 1 1 1 1 1 1 1 1 0 0 1 1 0 1 1) (local.get $v))
              (i8x16.lt_u (i8x16.sub (local.get $v) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)) (v128.const i8x16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16)))
            (i8x16.eq (local.get $v) (v128.const i8x16 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef 0xef)))))
        (br_if $done (v128.any_true (local.get $m)))
        (local.set $at (i32.add (local.get $at) (i32.const 64)))
        (br $next)))
    (v128.any_true (local.get $m))))
