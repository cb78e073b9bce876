"""The loaded world (runtime: the composition root that builds it and wires callbacks in) and the
state actions over it (behaviours).
"""
