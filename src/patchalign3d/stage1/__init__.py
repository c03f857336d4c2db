"""Stage 1: render views, run a 2D teacher, back-project its features onto 3D patches."""
