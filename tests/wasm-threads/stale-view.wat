;; The hazard behind `lock::reach`, in isolation: the main thread grows a
;; shared memory one page at a time; a worker spins (a loop, no call) until
;; it sees the new page count, then writes into the new page.
(module
 (import "env" "memory" (memory $0 (shared 1 100)))
 ;; Grows by one page; publishes the new page count at address 0.
 (func (export "grow")
  (i32.atomic.store (i32.const 0) (i32.add (memory.grow (i32.const 1)) (i32.const 1))))
 ;; Each export spins (a loop, no call: a call would let V8 update the
 ;; view) until the page count at address 0 exceeds `$seen`, then fills 16
 ;; bytes at the start of the newest page.
 ;; The hazard: memory.fill right after the wait.
 (func (export "wait_fill") (param $seen i32)
  (local $p i32)
  (loop $l
   (local.set $p (i32.atomic.load (i32.const 0)))
   (br_if $l (i32.le_u (local.get $p) (local.get $seen))))
  (memory.fill (i32.shl (i32.sub (local.get $p) (i32.const 1)) (i32.const 16)) (i32.const 7) (i32.const 16)))
 ;; What `reach` does before a block is handed out: memory.grow(0) when
 ;; memory.size does not cover it.
 (func (export "wait_reach_fill") (param $seen i32)
  (local $p i32)
  (loop $l
   (local.set $p (i32.atomic.load (i32.const 0)))
   (br_if $l (i32.le_u (local.get $p) (local.get $seen))))
  (if (i32.gt_u (local.get $p) (memory.size))
   (then (drop (memory.grow (i32.const 0)))))
  (memory.fill (i32.shl (i32.sub (local.get $p) (i32.const 1)) (i32.const 16)) (i32.const 7) (i32.const 16)))
)
